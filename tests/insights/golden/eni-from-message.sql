SELECT
  STRUCT_EXTRACT(
    CASE
      WHEN REGEXP_MATCHES(
        CONCAT_WS(
          ' ',
          COALESCE(CAST("version" AS TEXT), '-'),
          COALESCE("account_id", '-'),
          COALESCE("interface_id", '-'),
          COALESCE("srcaddr", '-'),
          COALESCE("dstaddr", '-'),
          COALESCE(CAST("srcport" AS TEXT), '-'),
          COALESCE(CAST("dstport" AS TEXT), '-'),
          COALESCE(CAST("protocol" AS TEXT), '-'),
          COALESCE(CAST("packets" AS TEXT), '-'),
          COALESCE(CAST("bytes" AS TEXT), '-'),
          COALESCE(CAST("start" AS TEXT), '-'),
          COALESCE(CAST("end" AS TEXT), '-'),
          COALESCE("action", '-'),
          COALESCE("log_status", '-')
        ),
        '(eni-.*?) '
      )
      THEN REGEXP_EXTRACT(
        CONCAT_WS(
          ' ',
          COALESCE(CAST("version" AS TEXT), '-'),
          COALESCE("account_id", '-'),
          COALESCE("interface_id", '-'),
          COALESCE("srcaddr", '-'),
          COALESCE("dstaddr", '-'),
          COALESCE(CAST("srcport" AS TEXT), '-'),
          COALESCE(CAST("dstport" AS TEXT), '-'),
          COALESCE(CAST("protocol" AS TEXT), '-'),
          COALESCE(CAST("packets" AS TEXT), '-'),
          COALESCE(CAST("bytes" AS TEXT), '-'),
          COALESCE(CAST("start" AS TEXT), '-'),
          COALESCE(CAST("end" AS TEXT), '-'),
          COALESCE("action", '-'),
          COALESCE("log_status", '-')
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
    COALESCE("account_id", '-'),
    COALESCE("interface_id", '-'),
    COALESCE("srcaddr", '-'),
    COALESCE("dstaddr", '-'),
    COALESCE(CAST("srcport" AS TEXT), '-'),
    COALESCE(CAST("dstport" AS TEXT), '-'),
    COALESCE(CAST("protocol" AS TEXT), '-'),
    COALESCE(CAST("packets" AS TEXT), '-'),
    COALESCE(CAST("bytes" AS TEXT), '-'),
    COALESCE(CAST("start" AS TEXT), '-'),
    COALESCE(CAST("end" AS TEXT), '-'),
    COALESCE("action", '-'),
    COALESCE("log_status", '-')
  ) AS "@message"
FROM (
  SELECT
    *
  FROM flow_logs
  ORDER BY
    "timestamp" DESC,
    file_id ASC,
    line ASC
  LIMIT 10001
) AS s1
ORDER BY
  "timestamp" DESC,
  file_id ASC,
  line ASC
