SELECT
  "timestamp" AS "@timestamp",
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
  ) AS "@message",
  "log_stream" AS "@logStream",
  '123456789012:/vpcflow/lab' AS "@log"
FROM flow_logs
ORDER BY
  "timestamp" DESC,
  file_id ASC,
  line ASC
LIMIT 20
