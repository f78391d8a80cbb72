SELECT
  "srcAddr" AS "srcAddr",
  "dstAddr" AS "dstAddr",
  "a1" AS "bytesTransferred"
FROM (
  SELECT
    "srcaddr" AS "srcAddr",
    "dstaddr" AS "dstAddr",
    CAST(SUM("bytes") AS BIGINT) AS "a1"
  FROM flow_logs
  WHERE
    (
      STRPOS("dstaddr", '10.0.1.5') > 0 AND NOT (
        STRPOS("srcaddr", '10.0.') > 0
      )
    )
  GROUP BY
    "srcaddr",
    "dstaddr"
) AS s1
ORDER BY
  "a1" DESC,
  "srcAddr" ASC,
  "dstAddr" ASC
LIMIT 10
