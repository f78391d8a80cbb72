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
  STRUCT_EXTRACT("parse", 'g1') AS "account_id",
  STRUCT_EXTRACT("parse", 'g2') AS "vpc_id",
  STRUCT_EXTRACT("parse", 'g3') AS "subnet_id",
  STRUCT_EXTRACT("parse", 'g4') AS "interface_id",
  STRUCT_EXTRACT("parse", 'g5') AS "instance_id",
  STRUCT_EXTRACT("parse", 'g6') AS "srcaddr",
  STRUCT_EXTRACT("parse", 'g7') AS "srcport",
  STRUCT_EXTRACT("parse", 'g8') AS "dstaddr",
  STRUCT_EXTRACT("parse", 'g9') AS "dstport",
  STRUCT_EXTRACT("parse", 'g10') AS "protocol",
  STRUCT_EXTRACT("parse", 'g11') AS "packets",
  STRUCT_EXTRACT("parse", 'g12') AS "bytes",
  STRUCT_EXTRACT("parse", 'g13') AS "action",
  STRUCT_EXTRACT("parse", 'g14') AS "log_status",
  STRUCT_EXTRACT("parse", 'g15') AS "start",
  STRUCT_EXTRACT("parse", 'g16') AS "end",
  STRUCT_EXTRACT("parse", 'g17') AS "flow_direction",
  STRUCT_EXTRACT("parse", 'g18') AS "traffic_path",
  STRUCT_EXTRACT("parse", 'g19') AS "tcp_flags",
  STRUCT_EXTRACT("parse", 'g20') AS "pkt_srcaddr",
  STRUCT_EXTRACT("parse", 'g21') AS "pkt_src_aws_service",
  STRUCT_EXTRACT("parse", 'g22') AS "pkt_dstaddr",
  STRUCT_EXTRACT("parse", 'g23') AS "pkt_dst_aws_service",
  STRUCT_EXTRACT("parse", 'g24') AS "region",
  STRUCT_EXTRACT("parse", 'g25') AS "az_id",
  STRUCT_EXTRACT("parse", 'g26') AS "sublocation_type",
  STRUCT_EXTRACT("parse", 'g27') AS "sublocation_id"
FROM (
  SELECT
    *,
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
        '(?s)(.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*)'
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
        '(?s)(.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*?) (.*)',
        [
          'g1',
          'g2',
          'g3',
          'g4',
          'g5',
          'g6',
          'g7',
          'g8',
          'g9',
          'g10',
          'g11',
          'g12',
          'g13',
          'g14',
          'g15',
          'g16',
          'g17',
          'g18',
          'g19',
          'g20',
          'g21',
          'g22',
          'g23',
          'g24',
          'g25',
          'g26',
          'g27'
        ]
      )
    END AS "parse"
  FROM flow_logs
) AS s1
ORDER BY
  REGEXP_FULL_MATCH(STRUCT_EXTRACT("parse", 'g15'), '[0-9]+(\.[0-9]+)?') DESC,
  CASE
    WHEN REGEXP_FULL_MATCH(STRUCT_EXTRACT("parse", 'g15'), '[0-9]+(\.[0-9]+)?')
    THEN CAST(STRUCT_EXTRACT("parse", 'g15') AS DOUBLE)
  END DESC,
  CASE
    WHEN REGEXP_FULL_MATCH(STRUCT_EXTRACT("parse", 'g15'), '[0-9]+(\.[0-9]+)?')
    THEN STRUCT_EXTRACT("parse", 'g15')
  END DESC,
  CASE
    WHEN NOT REGEXP_FULL_MATCH(STRUCT_EXTRACT("parse", 'g15'), '[0-9]+(\.[0-9]+)?')
    THEN ARRAY_TO_STRING(
      LIST_TRANSFORM(
        REGEXP_EXTRACT_ALL(STRUCT_EXTRACT("parse", 'g15'), '[0-9]+|[^0-9]+'),
        LAMBDA nat_run : CASE
          WHEN ASCII(nat_run) BETWEEN 48 AND 57
          THEN '0' || CHR(CAST(48 + LENGTH(nat_run) AS INT)) || nat_run
          ELSE nat_run
        END
      ),
      ''
    )
  END DESC,
  "timestamp" DESC,
  file_id ASC,
  line ASC
LIMIT 2
