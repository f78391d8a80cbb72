SELECT
  "srcAddr" AS "srcAddr",
  "a1" AS "numRejections"
FROM (
  SELECT
    "srcaddr" AS "srcAddr",
    COUNT(*) AS "a1"
  FROM flow_logs
  WHERE
    "action" = 'REJECT'
  GROUP BY
    "srcaddr"
) AS s1
ORDER BY
  "a1" DESC,
  "srcAddr" ASC
LIMIT 20
