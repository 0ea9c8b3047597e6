-- The Organizations rollup of lastaccess, recomputed by DuckDB straight from
-- the CloudTrail files: per account and service, the latest access (SPEC §2
-- rules: counted identity and event types, failed authentication and
-- service-linked roles left out) and its region (ties: the smaller region).
-- ${LOGS} is a glob of the export's log files, ${SOURCES} a JSON file of
-- {"source": …, "namespace": …} pairs from the catalog.
WITH recs AS (
  SELECT unnest(Records) AS r
  FROM read_json(${LOGS},
    columns = {Records: 'STRUCT(
      eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR,
      eventID VARCHAR, eventType VARCHAR, eventCategory VARCHAR, errorCode VARCHAR,
      userIdentity STRUCT(type VARCHAR, accountId VARCHAR,
        sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]'},
    format = 'auto', compression = 'gzip')
),
sources AS (SELECT source, namespace FROM read_json(${SOURCES})),
events AS (
  SELECT r.userIdentity.accountId AS account,
         coalesce(s.namespace, split_part(lower(r.eventSource), '.', 1)) AS namespace,
         r.eventTime::TIMESTAMP AS t,
         r.awsRegion AS region
  FROM recs LEFT JOIN sources s ON s.source = lower(r.eventSource)
  WHERE coalesce(r.eventType, 'AwsApiCall') = 'AwsApiCall'
    AND coalesce(r.eventCategory, 'Management') IN ('Management', 'Data')
    AND r.userIdentity.type IN ('IAMUser', 'AssumedRole', 'Root', 'FederatedUser')
    AND coalesce(r.userIdentity.accountId, '') <> ''
    AND coalesce(r.errorCode, '') NOT IN ('InvalidClientTokenId', 'SignatureDoesNotMatch', 'IncompleteSignature',
        'MissingAuthenticationToken', 'ExpiredToken', 'ExpiredTokenException', 'InvalidSignatureException',
        'UnrecognizedClientException', 'AuthFailure')
    AND NOT (r.userIdentity.type = 'AssumedRole'
             AND coalesce(r.userIdentity.sessionContext.sessionIssuer.arn, '') LIKE '%:role/aws-service-role/%')
),
latest AS (
  SELECT account, namespace, max(t) AS t FROM events GROUP BY account, namespace
)
SELECT l.account, l.namespace, strftime(l.t, '%Y-%m-%dT%H:%M:%SZ') AS last_time, min(e.region) AS region
FROM latest l JOIN events e ON e.account = l.account AND e.namespace = l.namespace AND e.t = l.t
GROUP BY l.account, l.namespace, l.t
ORDER BY l.account, l.namespace
