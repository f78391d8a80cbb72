SELECT
  "dstAddr" AS "dstAddr",
  "a1" AS "bytesTransferred"
FROM (
  SELECT
    "dstaddr" AS "dstAddr",
    CAST(SUM("bytes") AS BIGINT) AS "a1"
  FROM flow_logs
  WHERE
    STARTS_WITH("srcaddr", '10.0.')
    AND (
      CAST(TRY_CAST(SPLIT_PART("srcaddr", '.', 3) AS UTINYINT) AS TEXT) = SPLIT_PART("srcaddr", '.', 3)
      AND CAST(TRY_CAST(SPLIT_PART("srcaddr", '.', 4) AS UTINYINT) AS TEXT) = SPLIT_PART("srcaddr", '.', 4)
      AND SPLIT_PART("srcaddr", '.', 5) = ''
    )
  GROUP BY
    "dstaddr"
) AS s1
ORDER BY
  "a1" DESC,
  "dstAddr" ASC
LIMIT 15
