SELECT
  "srcAddr" AS "srcAddr",
  "dstAddr" AS "dstAddr",
  "a1" AS "packetsTransferred"
FROM (
  SELECT
    "srcaddr" AS "srcAddr",
    "dstaddr" AS "dstAddr",
    CAST(SUM("packets") AS BIGINT) AS "a1"
  FROM flow_logs
  GROUP BY
    "srcaddr",
    "dstaddr"
) AS s1
ORDER BY
  "a1" DESC,
  "srcAddr" ASC,
  "dstAddr" ASC
LIMIT 15
