SELECT
  "dstPort" AS "dstPort",
  "Source" AS "Source",
  "Destination" AS "Destination",
  "a1" AS "HitCount"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "dstport" AS "dstPort",
      "srcaddr" AS "Source",
      "dstaddr" AS "Destination",
      COUNT(*) AS "a1"
    FROM flow_logs
    WHERE
      "interface_id" = 'eni-0aaaaaaaaaaaaaaa1'
      AND (
        (
          (
            "dstport" = 80 OR "dstport" = 443
          ) OR "dstport" = 22
        )
        OR "dstport" = 25
      )
    GROUP BY
      "dstport",
      "srcaddr",
      "dstaddr"
  ) AS s1
  ORDER BY
    "a1" DESC,
    "dstPort" ASC,
    "Source" ASC,
    "Destination" ASC
  LIMIT 10001
) AS s2
ORDER BY
  "a1" DESC,
  "dstPort" ASC,
  "Source" ASC,
  "Destination" ASC
