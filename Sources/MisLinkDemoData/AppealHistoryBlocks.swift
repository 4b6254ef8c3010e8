import Foundation

/// The PSQL that makes the demo history (see ``AppealHistoryGenerator``). `H` and `G` are two
/// hashes of the row number and the seed; every choice is a slice of one of them.
///
/// Reference schema only: the appeals are `APPEALS` rows (SQL/clinic-schema.sql), as MisLink's intake
/// makes them through the reference profile, each with its `MISLINK_APPEALS` row carrying the copy of
/// the status, closing time and operator that the profile's trigger on `APPEALS` keeps (V014's mirror
/// columns), so the appeals report, which reads outcomes from `MISLINK_APPEALS`, shows them. A MIS
/// without an appeals table (МедБаза) would need own appeals (`IS_OWN = 1`) instead: not written here.
extension AppealHistoryGenerator {
    /// `T`: the row's time in UTC. Rows are spread evenly over the working hours (08:00-20:00
    /// clinic time) of the history's days in the order of `I` (as a live MIS writes them: by time),
    /// with up to 10 minutes of jitter.
    static func timeOfRow(_ p: BlockParameters, total: Int) -> String {
        """
            H = MOD(I * 2654435761 + \(p.seed), 4294967291);
            G = MOD(I * 40503 + \(p.seed) * 7 + 12345, 2147483629);
            T = DATEADD(SECOND, (I * \(p.days) / \(max(total, 1))) * 86400 + 8 * 3600
                + MOD(I * \(p.days), \(max(total, 1))) * 42600 / \(max(total, 1)) + MOD(G, 600)
                - \(p.clinicOffset * 60), \(p.start));
        """
    }

    static func appealsBlock(first: Int, count: Int, total: Int, _ p: BlockParameters) -> String {
        let booked = p.scheduleLow.map { "\($0) + MOD(H / 3, \(max(p.scheduleSpan, 1)))" } ?? "NULL"
        return """
            EXECUTE BLOCK AS
            DECLARE I BIGINT = \(first);
            DECLARE H BIGINT; DECLARE G BIGINT; DECLARE R INTEGER; DECLARE Q INTEGER; DECLARE X INTEGER;
            DECLARE T TIMESTAMP; DECLARE OP INTEGER; DECLARE OP2 INTEGER; DECLARE CH VARCHAR(16); DECLARE ST VARCHAR(16);
            DECLARE AID INTEGER; DECLARE CID BIGINT; DECLARE TID BIGINT; DECLARE BK INTEGER;
            DECLARE WAIT INTEGER; DECLARE TALK INTEGER; DECLARE FR INTEGER; DECLARE RS INTEGER;
            BEGIN
              WHILE (I < \(first + count)) DO BEGIN
            \(timeOfRow(p, total: total))
                R = MOD(H, 100); Q = MOD(H / 100, 100); X = MOD(G / 7919, 100);
                OP = \(p.pick("G / 50021")); OP2 = \(p.pick("G / 50021 + 1"));
                CH = CASE WHEN R < 55 THEN 'phone' WHEN R < 70 THEN 'whatsapp' WHEN R < 80 THEN 'telegram'
                          WHEN R < 85 THEN 'vk' WHEN R < 88 THEN 'viber' WHEN R < 95 THEN 'webchat'
                          WHEN R < 98 THEN 'email' ELSE 'sms' END;
                ST = CASE WHEN Q < 35 THEN 'closed' WHEN Q < 45 THEN 'cancelled' WHEN Q < 90 THEN 'closed' ELSE 'open' END;
                BK = IIF(Q < 35, \(booked), NULL);
                IF (CH <> 'phone' AND X < 10) THEN OP = OP2;
                INSERT INTO APPEALS (CHANNEL, DIRECTION, OPERATOR_ID, STATUS, CREATED_AT, CLOSED_AT, UPDATED_AT)
                  VALUES (IIF(:CH = 'viber', 'webchat', :CH), 'in', :OP, :ST, DATEADD(MINUTE, \(p.dbOffset), :T),
                          IIF(:ST = 'open', NULL, DATEADD(MINUTE, \(p.dbOffset) + 30, :T)), DATEADD(MINUTE, \(p.dbOffset), :T))
                  RETURNING ID INTO AID;
                CID = NULL; TID = NULL;
                IF (CH = 'phone') THEN BEGIN
                  WAIT = IIF(X < 90, 2 + MOD(G / 13, 30), 30 + MOD(G / 13, 150));
                  TALK = 20 + MOD(H / 17, 400);
                  INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, STARTED_AT, ANSWERED_AT, ENDED_AT, WAIT_SEC,
                      TALK_SEC, DURATION_SEC, OPERATOR_ID, ANSWERED_BY_ID, APPEAL_ID, PHONE_KEY, CLOSED_BY, CREATED_AT, UPDATED_AT)
                    VALUES ('demo-\(p.tag)-a' || :I, 'in', 'ended', 'answered', :T, DATEADD(SECOND, :WAIT, :T),
                      DATEADD(SECOND, :WAIT + :TALK, :T), :WAIT, :TALK, :WAIT + :TALK, :OP, :OP, :AID,
                      '7916' || LPAD(MOD(:G, 300000), 7, '0'), 'summary', :T, :T)
                    RETURNING ID INTO CID;
                END ELSE BEGIN
                  FR = CASE WHEN Q < 40 THEN MOD(G / 11, 60) WHEN Q < 70 THEN 60 + MOD(G / 11, 240)
                            WHEN Q < 85 THEN 300 + MOD(G / 11, 600) WHEN Q < 95 THEN 900 + MOD(G / 11, 2700)
                            WHEN Q < 98 THEN 3600 + MOD(G / 11, 7200) ELSE NULL END;
                  RS = COALESCE(FR, 0) + 300 + MOD(H / 19, 7200);
                  INSERT INTO MISLINK_CHAT_THREADS (PROVIDER, EXTERNAL_ID, CHANNEL, OPERATOR_ID, STATUS, APPEAL_ID, OPENED_AT,
                      ASSIGNED_AT, FIRST_RESPONSE_AT, CLOSED_AT, CREATED_AT, UPDATED_AT)
                    VALUES (IIF(MOD(:H, 2) = 0, 'edna', 'chatwoot'), 'demo-\(p.tag)-t' || :I, :CH, :OP,
                      IIF(:ST = 'open', 'assigned', 'closed'), :AID, :T, DATEADD(SECOND, 5, :T),
                      DATEADD(SECOND, :FR, :T), IIF(:ST = 'open', NULL, DATEADD(SECOND, :RS, :T)), :T, :T)
                    RETURNING ID INTO TID;
                END
                -- STATUS, OPERATOR_ID and CLOSED_AT (UTC) mirror the APPEALS row, as the profile's trigger keeps them
                INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE, CALL_ID, THREAD_ID, EXTERNAL_ID, LAST_OPERATOR_ID,
                    BOOKED_SCHEDULE_ID, STATUS, OPERATOR_ID, CLOSED_AT, CREATED_AT, UPDATED_AT)
                  VALUES (:AID, :CH, IIF(:CH = 'phone', 'call', 'chat'), :CID, :TID, 'demo-\(p.tag)-' || :I, :OP, :BK,
                          :ST, :OP, IIF(:ST = 'open', NULL, DATEADD(MINUTE, 30, :T)), :T, :T);
                IF (TID IS NOT NULL) THEN BEGIN
                  INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, THREAD_ID, EVENT_AT, CREATED_AT)
                    VALUES (:AID, 'created', 'client', :TID, :T, :T);
                  IF (X < 10) THEN BEGIN
                    -- taken by the other operator first, then transferred to OP
                    INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, TO_STAFF_ID, THREAD_ID, EVENT_AT, CREATED_AT)
                      VALUES (:AID, 'assigned', \(p.pick(":G / 50021")), :TID, DATEADD(SECOND, 5, :T), :T);
                    INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, FROM_STAFF_ID, TO_STAFF_ID, THREAD_ID, EVENT_AT, CREATED_AT)
                      VALUES (:AID, 'transferred', 'operator', \(p.pick(":G / 50021")), :OP, :TID, DATEADD(SECOND, COALESCE(:FR, 0) + 60, :T), :T);
                  END ELSE BEGIN
                    INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, TO_STAFF_ID, THREAD_ID, EVENT_AT, CREATED_AT)
                      VALUES (:AID, 'assigned', :OP, :TID, DATEADD(SECOND, 5, :T), :T);
                    IF (X < 15) THEN BEGIN
                      INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, FROM_STAFF_ID, THREAD_ID, EVENT_AT, CREATED_AT)
                        VALUES (:AID, 'released', 'operator', :OP, :TID, DATEADD(SECOND, COALESCE(:FR, 0) + 30, :T), :T);
                      INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, TO_STAFF_ID, THREAD_ID, EVENT_AT, CREATED_AT)
                        VALUES (:AID, 'reopened', :OP, :TID, DATEADD(SECOND, COALESCE(:FR, 0) + 90, :T), :T);
                    END
                  END
                  IF (ST <> 'open') THEN
                    INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, THREAD_ID, EVENT_AT, CREATED_AT)
                      VALUES (:AID, 'closed', 'operator', :OP, :TID, DATEADD(SECOND, :RS, :T), :T);
                END
                I = I + 1;
              END
            END
            """
    }

    /// Calls without an appeal: 45 % missed (60 % of them called back within a day), 10 % abandoned
    /// in the IVR, 30 % outbound answered, 12 % outbound not reached, 3 % failed.
    static func callsBlock(first: Int, count: Int, total: Int, _ p: BlockParameters) -> String {
        """
        EXECUTE BLOCK AS
        DECLARE I BIGINT = \(first);
        DECLARE H BIGINT; DECLARE G BIGINT; DECLARE R INTEGER; DECLARE T TIMESTAMP; DECLARE OP INTEGER;
        DECLARE RES VARCHAR(12); DECLARE DIR VARCHAR(8); DECLARE WAIT INTEGER; DECLARE TALK INTEGER; DECLARE CB TIMESTAMP;
        BEGIN
          WHILE (I < \(first + count)) DO BEGIN
        \(timeOfRow(p, total: total))
            R = MOD(H, 100);
            OP = \(p.pick("G / 50021"));
            RES = CASE WHEN R < 45 THEN 'missed' WHEN R < 55 THEN 'abandoned' WHEN R < 85 THEN 'answered'
                       WHEN R < 97 THEN 'not_reached' ELSE 'failed' END;
            DIR = IIF(R < 55, 'in', 'out');
            WAIT = 5 + MOD(G / 13, 40);
            TALK = IIF(RES = 'answered', 15 + MOD(H / 17, 300), 0);
            CB = IIF(RES = 'missed' AND MOD(H / 100, 100) < 60, DATEADD(SECOND, 120 + MOD(G / 7, 86400), T), NULL);
            INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, STATUS, STARTED_AT, ANSWERED_AT, ENDED_AT, WAIT_SEC,
                TALK_SEC, DURATION_SEC, OPERATOR_ID, ANSWERED_BY_ID, PHONE_KEY, CALLED_BACK_AT, CLOSED_BY, CREATED_AT, UPDATED_AT)
              VALUES ('demo-\(p.tag)-c' || :I, :DIR, 'ended', :RES,
                CASE WHEN :RES <> 'missed' THEN NULL WHEN :CB IS NULL THEN 'to_call_back' ELSE 'called_back' END,
                :T, IIF(:RES = 'answered', DATEADD(SECOND, :WAIT, :T), NULL), DATEADD(SECOND, :WAIT + :TALK, :T), :WAIT,
                :TALK, :WAIT + :TALK, IIF(:RES = 'abandoned', NULL, :OP), IIF(:RES = 'answered', :OP, NULL),
                '7917' || LPAD(MOD(:G, 300000), 7, '0'), :CB, 'summary', :T, :T);
            I = I + 1;
          END
        END
        """
    }
}
