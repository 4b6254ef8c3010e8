-- The appeals analysis report (`mislink report appeals`, `GET /api/v1/reports/appeals`).
-- Every number of the report comes from one of the queries below, which read only MisLink's own
-- tables, or from the worker's MIS profile (SQL/profiles/CONTRACT.md): operators' names through its
-- `staff_get`, and the appeals the MIS made on its own through its optional `report_mis_appeals`
-- (only a profile with "appeals": true has it; without it only the appeals MisLink made are counted).
-- MisLink runs the queries as they are (the appeals, calls and chats queries at the same time on
-- three attachments, each section in a read-only snapshot transaction, the three started together)
-- and only adds the small grouped rows up into totals (sums of counts, never percentiles: those are
-- computed here, per group and for "all", the group -1); the MIS's own appeals are counted as their
-- rows come. A clinic that wants other numbers edits this file (installed as
-- <prefix>/share/mislink/sql/report-appeals.sql, or put it in the folder MISLINK_SQL names); a clinic
-- whose MIS differs edits its profile, not this file.
--
-- Parameters (all bound, never spliced):
--   :from_utc, :to_utc   the period in UTC, [from, to): MisLink turns the clinic-local dates given
--                        (--from 2026-11-01 --to 2026-11-30 = 1 Nov 00:00 to 1 Dec 00:00 clinic time)
--                        into UTC with clinic.utc_offset_minutes.
--   :clinic_offset       clinic.utc_offset_minutes: UTC column + this = clinic wall-clock time.
--   :clinic_zone         the clinic's IANA zone (clinic_time_zone), only for appeals_by_local_hour_in_zone,
--                        which MisLink runs instead of appeals_by_local_hour on Firebird 4+; with a zone the
--                        period's bounds are that zone's midnights.
--   :operator            the MIS's employee id to keep only that operator's appeals, calls and chats;
--                        NULL = all.
--   :channel             keep only this channel (phone, whatsapp, telegram, vk, viber, webchat,
--                        email, sms, visit, other); NULL = all. Calls are the channel 'phone'.
--   :min_id, :max_id     (appeals_booked only) the smallest and largest id of the MIS's own appeals.
--
-- Appeals are the ones MisLink made (a MISLINK_APPEALS row, created in the period by its CREATED_AT)
-- and those the MIS made on its own (the profile's report_mis_appeals, by their CREATED_AT in clinic
-- time). MISLINK_APPEALS holds the status, result, closing time and operator of every appeal MisLink
-- made: its own (IS_OWN = 1, a MIS without an appeals table) and, for a MIS with one, a copy the
-- profile's trigger keeps (SQL/profiles/reference/migrations).
-- Outcome of an appeal (documented rule, first that applies):
--   booked     it has a booking: MISLINK_APPEALS.BOOKED_SCHEDULE_ID is set, or its chain has a
--              'booked' event (both written by the profile's booking trigger for a visit booked from
--              the appeal; for the MIS's own appeals only the chain can say it);
--   cancelled  STATUS = 'cancelled' (and no booking);
--   completed  STATUS = 'closed' (completed without a booking);
--   open       anything else: STATUS = 'open' (still open, no booking yet), or none known.
-- Channel of an appeal: MISLINK_APPEALS.CHANNEL (exact, e.g. viber), else the CHANNEL the profile
-- gives for the MIS's own appeals. Operator of an appeal: MISLINK_APPEALS.OPERATOR_ID, else the
-- profile's OPERATOR_ID.
--
-- Calls are MISLINK_CALLS started in the period, inbound and outbound (internal calls are not
-- appeals and are left out); the operator is OPERATOR_ID (who finished the call; for a missed call
-- the first operator it rang). A missed call is "called back" once a later connected call with the
-- same number, in either direction, points back at it (CALLED_BACK_BY_ID / CALLED_BACK_AT).
--
-- Chats are MISLINK_CHAT_THREADS opened in the period. Their operator is OPERATOR_ID (who holds or
-- closed it), else MISLINK_APPEALS.LAST_OPERATOR_ID (who held it before it was released; read only
-- for threads without an operator: COALESCE evaluates its arguments in order, as needed). The
-- chain of the thread's appeal (MISLINK_APPEAL_EVENTS with THREAD_ID) gives transfers, releases
-- and the time each operator held it: 'assigned', 'reopened' and 'transferred' (TO_STAFF_ID) start
-- an operator's hold, 'released' and 'transferred' (FROM_STAFF_ID) and 'closed' (STAFF_ID) end it.
--
-- Percentiles are nearest-rank: p50 is the smallest value with at least half of the values at or
-- below it (see call_percentiles for how the running counts of a histogram find it).
--
-- Indexes used: MISLINK_CALLS_STARTED_IX, MISLINK_CHAT_THREADS_OPENED_IX, MISLINK_APPEALS_PK, and
-- Migrations/V011__report_indexes.sql: MISLINK_APPEAL_EVENTS_TYPE_IX (APPEAL_ID, EVENT_TYPE) and
-- MISLINK_APPEAL_EVENTS_TTYPE_IX (THREAD_ID, EVENT_TYPE), which answer "has it a booked/transferred/
-- released event" from the index. MISLINK_APPEALS has no index on CREATED_AT yet: the two appeals
-- queries read the table through (one row per appeal MisLink made).

-- name: report_settings
-- The clinic's clock (minutes ahead of UTC) of MISLINK_SETTINGS.
SELECT CAST(NULLIF(MISLINK_SETTING('clinic.utc_offset_minutes'), '') AS INTEGER)
  FROM RDB$DATABASE;

-- name: appeals_by_hour
-- Appeals MisLink made, created in the period, per channel, operator (NULL = none), clinic-local date
-- and hour, counted by outcome: the report's totals by channel and operator, its days and its weekday x
-- hour heat map are sums of these rows (MisLink adds them up; the weekday is the date's). The clinic's
-- clock is the fixed :clinic_offset here; appeals_by_hour_in_zone is the same in an IANA zone.
-- Columns: CHANNEL, OPERATOR_ID, LOCAL_DATE, LOCAL_HOUR, TOTAL, BOOKED, CANCELLED, COMPLETED, STILL_OPEN.
SELECT X.CHANNEL, X.OPERATOR_ID, CAST(X.LOCAL_AT AS DATE) AS LOCAL_DATE, EXTRACT(HOUR FROM X.LOCAL_AT) AS LOCAL_HOUR,
       COUNT(*) AS TOTAL,
       SUM(IIF(X.OUTCOME = 'booked', 1, 0)) AS BOOKED,
       SUM(IIF(X.OUTCOME = 'cancelled', 1, 0)) AS CANCELLED,
       SUM(IIF(X.OUTCOME = 'completed', 1, 0)) AS COMPLETED,
       SUM(IIF(X.OUTCOME = 'open', 1, 0)) AS STILL_OPEN
  FROM (SELECT M.CHANNEL, M.OPERATOR_ID, DATEADD(MINUTE, CAST(:clinic_offset AS INTEGER), M.CREATED_AT) AS LOCAL_AT,
               CASE WHEN M.BOOKED_SCHEDULE_ID IS NOT NULL
                      OR EXISTS (SELECT 1 FROM MISLINK_APPEAL_EVENTS E
                                  WHERE E.EVENT_TYPE = 'booked' AND E.APPEAL_ID = M.APPEAL_ID) THEN 'booked'
                    WHEN M.STATUS = 'cancelled' THEN 'cancelled'
                    WHEN M.STATUS = 'closed' THEN 'completed'
                    ELSE 'open' END AS OUTCOME
          FROM MISLINK_APPEALS M
         WHERE M.CREATED_AT >= :from_utc AND M.CREATED_AT < :to_utc
           AND (CAST(:operator AS BIGINT) IS NULL OR M.OPERATOR_ID = :operator)
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR M.CHANNEL = :channel)) X
 GROUP BY 1, 2, 3, 4;

-- name: appeals_by_hour_in_zone
-- The same in the clinic's IANA zone (:clinic_zone, e.g. Europe/Moscow), on Firebird 4 and later only:
-- MisLink sets the session's zone to UTC around it, so `CREATED_AT AT TIME ZONE :clinic_zone` reads the
-- UTC column as UTC and gives the zone's wall clock at that instant; its offset (TIMEZONE_HOUR and
-- TIMEZONE_MINUTE, daylight saving included) turns the column into a local TIMESTAMP.
SELECT X.CHANNEL, X.OPERATOR_ID, CAST(X.LOCAL_AT AS DATE) AS LOCAL_DATE, EXTRACT(HOUR FROM X.LOCAL_AT) AS LOCAL_HOUR,
       COUNT(*) AS TOTAL,
       SUM(IIF(X.OUTCOME = 'booked', 1, 0)) AS BOOKED,
       SUM(IIF(X.OUTCOME = 'cancelled', 1, 0)) AS CANCELLED,
       SUM(IIF(X.OUTCOME = 'completed', 1, 0)) AS COMPLETED,
       SUM(IIF(X.OUTCOME = 'open', 1, 0)) AS STILL_OPEN
  FROM (SELECT Z.CHANNEL, Z.OPERATOR_ID, Z.OUTCOME,
               DATEADD(MINUTE, EXTRACT(TIMEZONE_HOUR FROM Z.AT_ZONE) * 60 + EXTRACT(TIMEZONE_MINUTE FROM Z.AT_ZONE),
                       Z.CREATED_AT) AS LOCAL_AT
          FROM (SELECT M.CHANNEL, M.OPERATOR_ID, M.CREATED_AT, M.CREATED_AT AT TIME ZONE CAST(:clinic_zone AS VARCHAR(63)) AS AT_ZONE,
                       CASE WHEN M.BOOKED_SCHEDULE_ID IS NOT NULL
                              OR EXISTS (SELECT 1 FROM MISLINK_APPEAL_EVENTS E
                                          WHERE E.EVENT_TYPE = 'booked' AND E.APPEAL_ID = M.APPEAL_ID) THEN 'booked'
                            WHEN M.STATUS = 'cancelled' THEN 'cancelled'
                            WHEN M.STATUS = 'closed' THEN 'completed'
                            ELSE 'open' END AS OUTCOME
                  FROM MISLINK_APPEALS M
                 WHERE M.CREATED_AT >= :from_utc AND M.CREATED_AT < :to_utc
                   AND (CAST(:operator AS BIGINT) IS NULL OR M.OPERATOR_ID = :operator)
                   AND (CAST(:channel AS VARCHAR(16)) IS NULL OR M.CHANNEL = :channel)) Z) X
 GROUP BY 1, 2, 3, 4;

-- name: appeals_booked
-- Of the ids from :min_id to :max_id, those whose chain has a 'booked' event: the outcome of the
-- appeals the MIS made on its own (MisLink keeps no MISLINK_APPEALS row for them, only the chain its
-- booking trigger writes). A MIS's ids grow with time, so the range is about the period's appeals;
-- MisLink keeps those of its list. Column: APPEAL_ID.
SELECT DISTINCT E.APPEAL_ID
  FROM MISLINK_APPEAL_EVENTS E
 WHERE E.APPEAL_ID >= CAST(:min_id AS BIGINT) AND E.APPEAL_ID <= CAST(:max_id AS BIGINT)
   AND E.EVENT_TYPE = 'booked';

-- name: calls_by_operator
-- Calls started in the period per operator (NULL = none) and direction, counted by result, with
-- talk time and the missed calls' call-backs.
-- Columns: OPERATOR_ID, DIRECTION, TOTAL, ANSWERED, MISSED, ABANDONED, NOT_REACHED, FAILED,
--          TALK_SEC (sum over answered calls), MISSED_CALLED_BACK, MISSED_REMAINING.
SELECT C.OPERATOR_ID, C.DIRECTION, COUNT(*),
       SUM(IIF(C.RESULT = 'answered', 1, 0)),
       SUM(IIF(C.RESULT = 'missed', 1, 0)),
       SUM(IIF(C.RESULT = 'abandoned', 1, 0)),
       SUM(IIF(C.RESULT = 'not_reached', 1, 0)),
       SUM(IIF(C.RESULT = 'failed', 1, 0)),
       SUM(IIF(C.RESULT = 'answered', COALESCE(C.TALK_SEC, 0), 0)),
       SUM(IIF(C.RESULT = 'missed' AND C.CALLED_BACK_AT IS NOT NULL, 1, 0)),
       SUM(IIF(C.RESULT = 'missed' AND C.CALLED_BACK_AT IS NULL, 1, 0))
  FROM MISLINK_CALLS C
 WHERE C.STARTED_AT >= :from_utc AND C.STARTED_AT < :to_utc
   AND C.DIRECTION IN ('in', 'out')
   AND (CAST(:operator AS BIGINT) IS NULL OR C.OPERATOR_ID = :operator)
   AND (CAST(:channel AS VARCHAR(16)) IS NULL OR CAST(:channel AS VARCHAR(16)) = 'phone')
 GROUP BY C.OPERATOR_ID, C.DIRECTION;

-- name: call_values
-- The values behind the calls' percentiles, counted per measure, operator (GRP; 0 = no operator) and
-- value: a histogram, far fewer rows than calls. MisLink finds p50 and p90 in it, per operator and for
-- all calls, and adds the histograms of several days up (the per-day figures, below). Measures:
--   answer    WAIT_SEC of answered inbound calls (time to answer)
--   talk      TALK_SEC of answered calls, both directions
--   callback  seconds from a missed call's start to the later call that called it back
-- One short range scan per measure (measured faster here than one scan joined to the list of measures).
-- Columns: KIND, GRP, VAL, CNT.
SELECT S.KIND, S.GRP, S.VAL, COUNT(*) AS CNT
  FROM (SELECT CAST('answer' AS VARCHAR(8)) AS KIND, COALESCE(C.OPERATOR_ID, 0) AS GRP, C.WAIT_SEC AS VAL
          FROM MISLINK_CALLS C
         WHERE C.STARTED_AT >= :from_utc AND C.STARTED_AT < :to_utc
           AND C.RESULT = 'answered' AND C.DIRECTION = 'in' AND C.WAIT_SEC IS NOT NULL
           AND (CAST(:operator AS BIGINT) IS NULL OR C.OPERATOR_ID = :operator)
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR CAST(:channel AS VARCHAR(16)) = 'phone')
        UNION ALL
        SELECT 'talk', COALESCE(C.OPERATOR_ID, 0), C.TALK_SEC
          FROM MISLINK_CALLS C
         WHERE C.STARTED_AT >= :from_utc AND C.STARTED_AT < :to_utc
           AND C.RESULT = 'answered' AND C.DIRECTION IN ('in', 'out') AND C.TALK_SEC IS NOT NULL
           AND (CAST(:operator AS BIGINT) IS NULL OR C.OPERATOR_ID = :operator)
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR CAST(:channel AS VARCHAR(16)) = 'phone')
        UNION ALL
        SELECT 'callback', COALESCE(C.OPERATOR_ID, 0), DATEDIFF(SECOND, C.STARTED_AT, C.CALLED_BACK_AT)
          FROM MISLINK_CALLS C
         WHERE C.STARTED_AT >= :from_utc AND C.STARTED_AT < :to_utc
           AND C.RESULT = 'missed' AND C.CALLED_BACK_AT IS NOT NULL
           AND (CAST(:operator AS BIGINT) IS NULL OR C.OPERATOR_ID = :operator)
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR CAST(:channel AS VARCHAR(16)) = 'phone')) S
 GROUP BY S.KIND, S.GRP, S.VAL;

-- name: chats_by_operator
-- Chat threads opened in the period per operator (NULL = none) and channel.
-- Columns: OPERATOR_ID, CHANNEL, THREADS, RESPONDED, FR_UNDER_1M, FR_1_5M, FR_5_15M, FR_15_60M,
--          FR_OVER_1H (first response within ...), NOT_RESPONDED, CLOSED, TRANSFERRED, RELEASED.
SELECT X.OPERATOR_ID, X.CHANNEL, COUNT(*),
       SUM(IIF(X.FR IS NOT NULL, 1, 0)),
       SUM(IIF(X.FR < 60, 1, 0)),
       SUM(IIF(X.FR >= 60 AND X.FR < 300, 1, 0)),
       SUM(IIF(X.FR >= 300 AND X.FR < 900, 1, 0)),
       SUM(IIF(X.FR >= 900 AND X.FR < 3600, 1, 0)),
       SUM(IIF(X.FR >= 3600, 1, 0)),
       SUM(IIF(X.FR IS NULL, 1, 0)),
       SUM(IIF(X.CLOSED_AT IS NOT NULL, 1, 0)),
       SUM(X.TRANSFERRED),
       SUM(X.RELEASED)
  FROM (SELECT COALESCE(T.OPERATOR_ID, (SELECT M.LAST_OPERATOR_ID FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = T.APPEAL_ID)) AS OPERATOR_ID, T.CHANNEL, T.CLOSED_AT,
               DATEDIFF(SECOND, T.OPENED_AT, T.FIRST_RESPONSE_AT) AS FR,
               IIF(EXISTS (SELECT 1 FROM MISLINK_APPEAL_EVENTS E
                            WHERE E.THREAD_ID = T.ID AND E.EVENT_TYPE = 'transferred'), 1, 0) AS TRANSFERRED,
               IIF(EXISTS (SELECT 1 FROM MISLINK_APPEAL_EVENTS E
                            WHERE E.THREAD_ID = T.ID AND E.EVENT_TYPE = 'released'), 1, 0) AS RELEASED
          FROM MISLINK_CHAT_THREADS T
         WHERE T.OPENED_AT >= :from_utc AND T.OPENED_AT < :to_utc
           AND (CAST(:operator AS BIGINT) IS NULL OR COALESCE(T.OPERATOR_ID, (SELECT M.LAST_OPERATOR_ID FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = T.APPEAL_ID)) = :operator)
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR T.CHANNEL = :channel)) X
 GROUP BY X.OPERATOR_ID, X.CHANNEL;

-- name: chat_values
-- The values behind the chats' percentiles, counted as call_values counts the calls' (histogram per
-- measure, channel, operator (GRP; 0 = none) and value):
--   first_response  seconds from OPENED_AT to FIRST_RESPONSE_AT (threads that got an answer)
--   resolution      seconds from OPENED_AT to CLOSED_AT (closed threads)
-- Columns: KIND, CHANNEL, GRP, VAL, CNT.
SELECT S.KIND, S.CHANNEL, S.GRP, S.VAL, COUNT(*) AS CNT
  FROM (SELECT K.KIND, T.CHANNEL,
               COALESCE(T.OPERATOR_ID, (SELECT M.LAST_OPERATOR_ID FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = T.APPEAL_ID), 0) AS GRP,
               DATEDIFF(SECOND, T.OPENED_AT, IIF(K.KIND = 'first_response', T.FIRST_RESPONSE_AT, T.CLOSED_AT)) AS VAL
          FROM MISLINK_CHAT_THREADS T
          LEFT JOIN (SELECT CAST('first_response' AS VARCHAR(16)) AS KIND FROM RDB$DATABASE UNION ALL
                     SELECT 'resolution' FROM RDB$DATABASE) K
            ON (K.KIND = 'first_response' AND T.FIRST_RESPONSE_AT IS NOT NULL)
            OR (K.KIND = 'resolution' AND T.CLOSED_AT IS NOT NULL)
         WHERE T.OPENED_AT >= :from_utc AND T.OPENED_AT < :to_utc
           AND (CAST(:operator AS BIGINT) IS NULL OR COALESCE(T.OPERATOR_ID, (SELECT M.LAST_OPERATOR_ID FROM MISLINK_APPEALS M WHERE M.APPEAL_ID = T.APPEAL_ID)) = :operator)
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR T.CHANNEL = :channel)) S
 WHERE S.KIND IS NOT NULL
 GROUP BY S.KIND, S.CHANNEL, S.GRP, S.VAL;

-- name: chat_holds
-- The holds of the threads opened in the period, for each operator's peak concurrency (the most threads
-- held at once): every hold starts with +1 ('assigned', 'reopened', 'transferred' to the operator) and
-- ends with -1 ('released', 'transferred' from the operator, 'closed' by the operator). MisLink sorts
-- them by time (an end before a start at the same instant) and keeps the highest running sum, per
-- operator (the channel filters by the thread's channel, the operator by the hold's). Counted per
-- operator, channel, instant and sign; AT_UNITS is the instant in 1/10000 s (Firebird's precision) from
-- 00:00 UTC of :from_utc's date. Columns: OPERATOR_ID, CHANNEL, AT_UNITS, DELTA, CNT.
SELECT D.OPERATOR_ID, D.CHANNEL,
       DATEDIFF(DAY, CAST(CAST(:from_utc AS TIMESTAMP) AS DATE), CAST(D.EVENT_AT AS DATE)) * CAST(864000000 AS BIGINT)
         + (EXTRACT(HOUR FROM D.EVENT_AT) * 3600 + EXTRACT(MINUTE FROM D.EVENT_AT) * 60) * CAST(10000 AS BIGINT)
         + CAST(EXTRACT(SECOND FROM D.EVENT_AT) * 10000 AS BIGINT) AS AT_UNITS,
       D.DELTA, COUNT(*) AS CNT
  FROM (SELECT E.EVENT_AT, T.CHANNEL, L.SIDE,
               IIF(E.EVENT_TYPE = 'closed', E.STAFF_ID, IIF(L.SIDE = 0, E.TO_STAFF_ID, E.FROM_STAFF_ID)) AS OPERATOR_ID,
               IIF(L.SIDE = 0, 1, -1) AS DELTA
          FROM MISLINK_CHAT_THREADS T
          JOIN MISLINK_APPEAL_EVENTS E ON E.THREAD_ID = T.ID
          -- a 'transferred' event is both an end (FROM_STAFF_ID) and a start (TO_STAFF_ID)
          LEFT JOIN (SELECT 0 AS SIDE FROM RDB$DATABASE UNION ALL SELECT 1 FROM RDB$DATABASE) L
            ON (L.SIDE = 0 AND E.EVENT_TYPE IN ('assigned', 'reopened', 'transferred'))
            OR (L.SIDE = 1 AND E.EVENT_TYPE IN ('released', 'transferred', 'closed'))
         WHERE T.OPENED_AT >= :from_utc AND T.OPENED_AT < :to_utc
           AND (CAST(:channel AS VARCHAR(16)) IS NULL OR T.CHANNEL = :channel)) D
 WHERE D.SIDE IS NOT NULL AND D.OPERATOR_ID IS NOT NULL
   AND (CAST(:operator AS BIGINT) IS NULL OR D.OPERATOR_ID = :operator)
 GROUP BY 1, 2, 3, 4;
