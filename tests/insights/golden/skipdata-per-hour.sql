SELECT
  "t" AS "t",
  "a1" AS "count(*)"
FROM (
  SELECT
    *
  FROM (
    SELECT
      DATE_TRUNC('HOUR', "timestamp") AS "t",
      COUNT(*) AS "a1"
    FROM flow_logs
    WHERE
      "log_status" = 'SKIPDATA'
    GROUP BY
      DATE_TRUNC('HOUR', "timestamp")
  ) AS s1
  ORDER BY
    "t" DESC
  LIMIT 10001
) AS s2
ORDER BY
  "t" DESC
