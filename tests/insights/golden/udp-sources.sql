SELECT
  "srcAddr" AS "srcAddr",
  "a1" AS "count(*)"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "srcaddr" AS "srcAddr",
      COUNT(*) AS "a1"
    FROM flow_logs
    WHERE
      "protocol" = 17
    GROUP BY
      "srcaddr"
  ) AS s1
  ORDER BY
    "srcAddr" ASC
  LIMIT 10001
) AS s2
ORDER BY
  REGEXP_FULL_MATCH("srcAddr", '[0-9]+(\.[0-9]+)?') ASC,
  CASE
    WHEN REGEXP_FULL_MATCH("srcAddr", '[0-9]+(\.[0-9]+)?')
    THEN CAST("srcAddr" AS DOUBLE)
  END ASC,
  CASE WHEN REGEXP_FULL_MATCH("srcAddr", '[0-9]+(\.[0-9]+)?') THEN "srcAddr" END ASC,
  CASE
    WHEN NOT REGEXP_FULL_MATCH("srcAddr", '[0-9]+(\.[0-9]+)?')
    THEN ARRAY_TO_STRING(
      LIST_TRANSFORM(
        REGEXP_EXTRACT_ALL("srcAddr", '[0-9]+|[^0-9]+'),
        LAMBDA nat_run : CASE
          WHEN ASCII(nat_run) BETWEEN 48 AND 57
          THEN '0' || CHR(CAST(48 + LENGTH(nat_run) AS INT)) || nat_run
          ELSE nat_run
        END
      ),
      ''
    )
  END ASC
