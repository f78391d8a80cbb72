SELECT
  STRUCT_EXTRACT(
    CASE
      WHEN REGEXP_MATCHES(
        CONCAT_WS(
          ' ',
          COALESCE(CAST("version" AS TEXT), '-'),
          COALESCE(CAST("account_id" AS TEXT), '-'),
          COALESCE(CAST("interface_id" AS TEXT), '-'),
          COALESCE(CAST("srcaddr" AS TEXT), '-'),
          COALESCE(CAST("dstaddr" AS TEXT), '-'),
          COALESCE(CAST("srcport" AS TEXT), '-'),
          COALESCE(CAST("dstport" AS TEXT), '-'),
          COALESCE(CAST("protocol" AS TEXT), '-'),
          COALESCE(CAST("packets" AS TEXT), '-'),
          COALESCE(CAST("bytes" AS TEXT), '-'),
          COALESCE(CAST("start" AS TEXT), '-'),
          COALESCE(CAST("end" AS TEXT), '-'),
          COALESCE(CAST("action" AS TEXT), '-'),
          COALESCE(CAST("log_status" AS TEXT), '-')
        ),
        '(eni-.*?) '
      )
      THEN REGEXP_EXTRACT(
        CONCAT_WS(
          ' ',
          COALESCE(CAST("version" AS TEXT), '-'),
          COALESCE(CAST("account_id" AS TEXT), '-'),
          COALESCE(CAST("interface_id" AS TEXT), '-'),
          COALESCE(CAST("srcaddr" AS TEXT), '-'),
          COALESCE(CAST("dstaddr" AS TEXT), '-'),
          COALESCE(CAST("srcport" AS TEXT), '-'),
          COALESCE(CAST("dstport" AS TEXT), '-'),
          COALESCE(CAST("protocol" AS TEXT), '-'),
          COALESCE(CAST("packets" AS TEXT), '-'),
          COALESCE(CAST("bytes" AS TEXT), '-'),
          COALESCE(CAST("start" AS TEXT), '-'),
          COALESCE(CAST("end" AS TEXT), '-'),
          COALESCE(CAST("action" AS TEXT), '-'),
          COALESCE(CAST("log_status" AS TEXT), '-')
        ),
        '(eni-.*?) ',
        ['g1']
      )
    END,
    'g1'
  ) AS "NetworkInterface",
  CONCAT_WS(
    ' ',
    COALESCE(CAST("version" AS TEXT), '-'),
    COALESCE(CAST("account_id" AS TEXT), '-'),
    COALESCE(CAST("interface_id" AS TEXT), '-'),
    COALESCE(CAST("srcaddr" AS TEXT), '-'),
    COALESCE(CAST("dstaddr" AS TEXT), '-'),
    COALESCE(CAST("srcport" AS TEXT), '-'),
    COALESCE(CAST("dstport" AS TEXT), '-'),
    COALESCE(CAST("protocol" AS TEXT), '-'),
    COALESCE(CAST("packets" AS TEXT), '-'),
    COALESCE(CAST("bytes" AS TEXT), '-'),
    COALESCE(CAST("start" AS TEXT), '-'),
    COALESCE(CAST("end" AS TEXT), '-'),
    COALESCE(CAST("action" AS TEXT), '-'),
    COALESCE(CAST("log_status" AS TEXT), '-')
  ) AS "@message"
FROM (
  SELECT
    *,
    rowid AS "o"
  FROM flow_logs
  ORDER BY
    "timestamp" DESC,
    rowid ASC
  LIMIT 10001
) AS s1
ORDER BY
  "timestamp" DESC,
  "o" ASC
