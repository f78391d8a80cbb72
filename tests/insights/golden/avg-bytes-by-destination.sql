SELECT
  "dstAddr" AS "dstAddr",
  "a1" AS "avg(bytes)"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "dstaddr" AS "dstAddr",
      AVG("bytes") AS "a1"
    FROM flow_logs
    GROUP BY
      "dstaddr"
  ) AS s1
  ORDER BY
    "dstAddr" ASC
  LIMIT 10001
) AS s2
ORDER BY
  REGEXP_FULL_MATCH("dstAddr", '[0-9]+(\.[0-9]+)?') ASC,
  CASE
    WHEN REGEXP_FULL_MATCH("dstAddr", '[0-9]+(\.[0-9]+)?')
    THEN CAST("dstAddr" AS DOUBLE)
  END ASC,
  CASE WHEN REGEXP_FULL_MATCH("dstAddr", '[0-9]+(\.[0-9]+)?') THEN "dstAddr" END ASC,
  CASE
    WHEN NOT REGEXP_FULL_MATCH("dstAddr", '[0-9]+(\.[0-9]+)?')
    THEN ARRAY_TO_STRING(
      LIST_TRANSFORM(
        REGEXP_EXTRACT_ALL("dstAddr", '[0-9]+|[^0-9]+'),
        LAMBDA nat_run : CASE
          WHEN ASCII(nat_run) BETWEEN 48 AND 57
          THEN '0' || CHR(CAST(48 + LENGTH(nat_run) AS INT)) || nat_run
          ELSE nat_run
        END
      ),
      ''
    )
  END ASC
