/*
 * V001 -- MisLink settings, the clinic's own numbers, UTC time, phone keys.
 *
 * Objects: MISLINK_SETTINGS (+ trigger MISLINK_SETTINGS_BIUD),
 *          MISLINK_OWN_NUMBERS (+ trigger MISLINK_OWN_NUMBERS_BIU),
 *          function MISLINK_SETTING, function MISLINK_UTC_NOW,
 *          procedure MISLINK_PHONE_KEYS.
 * Undo:    U001__settings_and_phone_keys.sql
 *
 * Runs unchanged in: isql-fb -ch UTF8 -bail -q -i V001__settings_and_phone_keys.sql <db>
 * The file is ASCII: the Cyrillic extension markers of MISLINK_PHONE_KEYS
 * are written as their UTF-8 bytes (_ISO8859_1 x'...'), so the result does
 * not depend on the connection character set. The phone-key rules are
 * written down in SQL/README.md ("Phone keys"); the Swift normaliser
 * mirrors them.
 */

SET TERM ^ ;

/* ------------------------------------------------------------------ */
/* Settings                                                            */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_SETTINGS (
    NAME        VARCHAR(63) CHARACTER SET ASCII NOT NULL,
    VAL         VARCHAR(1000) CHARACTER SET UTF8,
    DESCRIPTION VARCHAR(255) CHARACTER SET UTF8,
    UPDATED_AT  TIMESTAMP,
    UPDATED_BY  VARCHAR(63) CHARACTER SET UTF8,
    CONSTRAINT MISLINK_SETTINGS_PK PRIMARY KEY (NAME),
    CONSTRAINT MISLINK_SETTINGS_COUNTRY_CK
        CHECK (NAME <> 'phone.country_code' OR VAL SIMILAR TO '[0-9]{1,3}'),
    CONSTRAINT MISLINK_SETTINGS_AREA_CK
        CHECK (NAME <> 'phone.area_code' OR VAL SIMILAR TO '[0-9]{0,7}'),
    CONSTRAINT MISLINK_SETTINGS_OFFSET_CK
        CHECK (NAME NOT IN ('db.utc_offset_minutes', 'clinic.utc_offset_minutes')
               OR VAL SIMILAR TO '[-]?[0-9]{1,3}'),
    CONSTRAINT MISLINK_SETTINGS_REMIND_CK
        CHECK (NAME <> 'outbox.reminder_hours' OR VAL SIMILAR TO '[0-9]{1,3}')
)^

/* The values are read through MISLINK_SETTING(), which caches them per
   transaction; a change clears the cache of the changing transaction. */
CREATE TRIGGER MISLINK_SETTINGS_BIUD FOR MISLINK_SETTINGS
ACTIVE BEFORE INSERT OR UPDATE OR DELETE POSITION 0
AS
DECLARE DUMMY INTEGER;
BEGIN
    IF (DELETING) THEN
        DUMMY = RDB$SET_CONTEXT('USER_TRANSACTION', 'MISLINK.' || OLD.NAME, NULL);
    ELSE
    BEGIN
        IF (UPDATING) THEN
            DUMMY = RDB$SET_CONTEXT('USER_TRANSACTION', 'MISLINK.' || OLD.NAME, NULL);
        DUMMY = RDB$SET_CONTEXT('USER_TRANSACTION', 'MISLINK.' || NEW.NAME, NULL);
        NEW.UPDATED_BY = CURRENT_USER;
        /* UTC: server time shifted by db.utc_offset_minutes (see MISLINK_UTC_NOW). */
        NEW.UPDATED_AT = DATEADD(-CAST(COALESCE((SELECT S.VAL FROM MISLINK_SETTINGS S
                                                 WHERE S.NAME = 'db.utc_offset_minutes'), '0')
                                       AS INTEGER) MINUTE TO CURRENT_TIMESTAMP);
    END
END^

COMMENT ON TABLE MISLINK_SETTINGS IS
'MisLink settings read by the database code and the worker: one row per NAME. DBA-editable.'^
COMMENT ON COLUMN MISLINK_SETTINGS.NAME IS 'Setting name, dotted lowercase (phone.area_code).'^
COMMENT ON COLUMN MISLINK_SETTINGS.VAL IS 'Value as text.'^
COMMENT ON COLUMN MISLINK_SETTINGS.DESCRIPTION IS 'What the setting does.'^
COMMENT ON COLUMN MISLINK_SETTINGS.UPDATED_AT IS 'Last change, UTC (set by trigger).'^
COMMENT ON COLUMN MISLINK_SETTINGS.UPDATED_BY IS 'Database user of the last change.'^

/* Seed. The first row is inserted while db.utc_offset_minutes does not exist
   yet, so its UPDATED_AT is the server time; insert the offset first. */
INSERT INTO MISLINK_SETTINGS (NAME, VAL, DESCRIPTION) VALUES ('db.utc_offset_minutes', '180',
    'Minutes the database server clock (CURRENT_TIMESTAMP) is ahead of UTC; 180 = Moscow time. The worker checks it at start-up.')^
INSERT INTO MISLINK_SETTINGS (NAME, VAL, DESCRIPTION) VALUES ('clinic.utc_offset_minutes', '180',
    'Minutes the clinic wall-clock time stored by the MIS (SCHEDULE.START_AT ...) is ahead of UTC.')^
INSERT INTO MISLINK_SETTINGS (NAME, VAL, DESCRIPTION) VALUES ('phone.country_code', '7',
    'Country calling code prefixed to national numbers by MISLINK_PHONE_KEYS (+7 numbering plan).')^
INSERT INTO MISLINK_SETTINGS (NAME, VAL, DESCRIPTION) VALUES ('phone.area_code', '843',
    'City code completing local 5-7 digit numbers (area code + local number = 10 digits). Empty: no local numbers.')^
INSERT INTO MISLINK_SETTINGS (NAME, VAL, DESCRIPTION) VALUES ('outbox.reminder_hours', '24',
    'Hours before a booked visit when the reminder message is due; 0 = no reminders.')^
UPDATE MISLINK_SETTINGS SET VAL = VAL WHERE NAME = 'db.utc_offset_minutes'^

/* ------------------------------------------------------------------ */
/* Functions: a cached setting, UTC now                                */
/* ------------------------------------------------------------------ */

CREATE FUNCTION MISLINK_SETTING (SETTING_NAME VARCHAR(63) CHARACTER SET ASCII)
RETURNS VARCHAR(1000) CHARACTER SET UTF8
AS
DECLARE V VARCHAR(1000) CHARACTER SET UTF8;
DECLARE DUMMY INTEGER;
BEGIN
    V = RDB$GET_CONTEXT('USER_TRANSACTION', 'MISLINK.' || SETTING_NAME);
    IF (V IS NULL) THEN
    BEGIN
        V = COALESCE((SELECT S.VAL FROM MISLINK_SETTINGS S WHERE S.NAME = :SETTING_NAME), '');
        DUMMY = RDB$SET_CONTEXT('USER_TRANSACTION', 'MISLINK.' || SETTING_NAME, V);
    END
    RETURN V;
END^

COMMENT ON FUNCTION MISLINK_SETTING IS
'Value of a MISLINK_SETTINGS row (empty string when missing), cached for the rest of the transaction.'^

CREATE FUNCTION MISLINK_UTC_NOW
RETURNS TIMESTAMP
AS
BEGIN
    RETURN DATEADD(-CAST(COALESCE(NULLIF(MISLINK_SETTING('db.utc_offset_minutes'), ''), '0') AS INTEGER)
                   MINUTE TO CURRENT_TIMESTAMP);
END^

COMMENT ON FUNCTION MISLINK_UTC_NOW IS
'Current time in UTC: CURRENT_TIMESTAMP minus setting db.utc_offset_minutes. Fills every *_AT default.'^

/* ------------------------------------------------------------------ */
/* Phone keys                                                          */
/* ------------------------------------------------------------------ */

/*
 * One row per phone number found in a free-text field. The rules (exactly
 * as in SQL/README.md, "Phone keys"; the Swift normaliser mirrors them):
 *  - NULL or empty input: no rows. Text is lowercased; a no-break space, tab
 *    and CR count as a space; the dashes U+2013, U+2014, U+2212 count as '-'.
 *  - Digits accumulate into the current number. ' ', '(', ')', '-', '.' are
 *    noise inside a number; '+' before the first digit of a number marks it
 *    as international; a '+' after digits ends the number and starts a new
 *    international one.
 *  - A space also ends the current number when it is complete: 11 digits
 *    starting 7 or 8; or '+' and 11+ digits; or 10 digits starting 9.
 *  - Letters (a-z and every non-ASCII character) form words; a word ends the
 *    current number. The words ext, extension, dob, dop, vn, dobavochnyi
 *    (the last four in Cyrillic, as UTF-8 bytes below), 'x' right after a digit (spaces
 *    and noise between allowed) and the character '#' are extension markers:
 *    the next digits (after spaces, noise or ':') are the extension of the
 *    last number before the marker (the first extension wins; at most 16
 *    digits are kept). Any other word, and ',', ';', '/', '|', newline and
 *    every other character, end the current number (and a pending
 *    extension).
 *  - Digits -> key (CC = setting phone.country_code, '7'; area = setting
 *    phone.area_code): 11 digits starting 7 or 8: CC || last 10; else with
 *    '+': not starting 7 and 8..15 digits: the digits; else none; without
 *    '+': 10 digits: CC || digits; 5..7 digits and length(area) + digits =
 *    10: CC || area || digits; else none (junk).
 *  - A key already returned for this input is not returned again.
 *    ORDINAL numbers the returned rows 1, 2, ...
 * Implementation: the UTF-8 bytes are reinterpreted as ISO8859_1 (one byte
 * = one character, every byte valid; each byte of a non-ASCII character is
 * >= 128 and counts as a letter) and read by a byte-level state machine.
 * PSQL runs about 0.3 us per statement, so the common shapes are taken by
 * shortcuts that give exactly what the byte loop would: the whole text as
 * one number (fast path), a whole segment between separators, a run of
 * digits and noise between spaces, a word between spaces. Equivalence is
 * tested against a separate implementation of the rules (SQL/README.md).
 */
CREATE PROCEDURE MISLINK_PHONE_KEYS (RAW VARCHAR(255) CHARACTER SET UTF8)
RETURNS (
    ORDINAL   SMALLINT,
    PHONE_KEY VARCHAR(20) CHARACTER SET ASCII,
    EXTENSION VARCHAR(16) CHARACTER SET ASCII)
AS
    /* General path: any text. A local procedure, so that its many variables
       cost nothing on the fast path. */
    DECLARE PROCEDURE SCAN (RAW VARCHAR(255) CHARACTER SET UTF8)
    RETURNS (
        O   SMALLINT,
        PK  VARCHAR(20) CHARACTER SET ASCII,
        EXT VARCHAR(16) CHARACTER SET ASCII)
    AS
        DECLARE SL    VARCHAR(1024) CHARACTER SET ISO8859_1;  /* the text, byte per character */
        DECLARE TK    VARCHAR(1024) CHARACTER SET ISO8859_1;
        DECLARE T     VARCHAR(1024) CHARACTER SET ISO8859_1;
        DECLARE D     VARCHAR(1024) CHARACTER SET ISO8859_1;  /* digits of the current number */
        DECLARE PD    VARCHAR(1024) CHARACTER SET ISO8859_1;  /* last ended number, may get an extension */
        DECLARE PX    VARCHAR(16) CHARACTER SET ASCII;        /* its extension */
        DECLARE SEEN  VARCHAR(1000) CHARACTER SET ASCII;      /* keys returned so far */
        DECLARE K     VARCHAR(20) CHARACTER SET ASCII;
        DECLARE CC    VARCHAR(3) CHARACTER SET ASCII;
        DECLARE AREA  VARCHAR(7) CHARACTER SET ASCII;
        DECLARE L     INTEGER;
        DECLARE I     INTEGER;
        DECLARE J     INTEGER;
        DECLARE N     INTEGER;
        DECLARE WS    INTEGER;    /* start of the current word, 0 = none */
        DECLARE B     SMALLINT;   /* current byte; before reading it, the previous one */
        DECLARE P     SMALLINT;   /* the current number started with '+' */
        DECLARE P1    SMALLINT;
        DECLARE PP    SMALLINT;   /* the last ended number started with '+' */
        DECLARE X     SMALLINT;   /* extension: 0 none, 1 marker seen, 2 reading digits */
        DECLARE XOK   SMALLINT;   /* the extension digits being read are kept */
        DECLARE WD    SMALLINT;   /* the current word follows a digit */
        DECLARE LD    SMALLINT;   /* the last significant character was a digit */
        DECLARE E     SMALLINT;   /* end the current number at this byte */
        DECLARE NP    SMALLINT;   /* the next number starts with '+' */
    BEGIN
        /* Lowercase (as UTF-8), then work on the bytes: the no-break space
           becomes a space, the three dashes '-', and ';', '/', '|' and
           newline ',' (separators alike). A ',' is appended as the final
           separator. */
        SL = CAST(CAST(LOWER(RAW) AS VARCHAR(1024) CHARACTER SET OCTETS) AS VARCHAR(1024) CHARACTER SET ISO8859_1);
        IF (OCTET_LENGTH(RAW) > CHAR_LENGTH(RAW)) THEN
            SL = REPLACE(REPLACE(REPLACE(REPLACE(SL,
                     _ISO8859_1 x'C2A0', ' '),      /* U+00A0 no-break space */
                     _ISO8859_1 x'E28093', '-'),    /* U+2013 en dash */
                     _ISO8859_1 x'E28094', '-'),    /* U+2014 em dash */
                     _ISO8859_1 x'E28892', '-');    /* U+2212 minus sign */
        SL = REPLACE(REPLACE(REPLACE(REPLACE(SL, ';', ','), '/', ','), '|', ','), _ISO8859_1 x'0A', ',') || ',';
        L = CHAR_LENGTH(SL);
        CC = RDB$GET_CONTEXT('USER_TRANSACTION', 'MISLINK.phone.country_code');
        IF (CC IS NULL) THEN
            CC = MISLINK_SETTING('phone.country_code');
        AREA = RDB$GET_CONTEXT('USER_TRANSACTION', 'MISLINK.phone.area_code');
        IF (AREA IS NULL) THEN
            AREA = MISLINK_SETTING('phone.area_code');
        O = 0; D = ''; P = 0; PP = 0; PX = ''; X = 0; XOK = 0;
        WS = 0; WD = 0; LD = 0; NP = 0; E = 0; SEEN = ',';
        I = 1;
        B = 44;
        WHILE (I <= L + 1) DO
        BEGIN
            /* Shortcuts. At the start of a segment (after ','): the whole segment
               when the fast path would read it as one number. */
            IF (B = 44 AND I < L) THEN
            BEGIN
                J = POSITION(',', SL, I);
                TK = SUBSTRING(SL FROM I FOR J - I);
                T = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(TK, ' ', ''), '-', ''), '(', ''), ')', ''), '.', '');
                P1 = 0;
                IF (T STARTING WITH '+') THEN
                BEGIN
                    T = SUBSTRING(T FROM 2);
                    P1 = 1;
                END
                IF (T SIMILAR TO '[0-9]+') THEN
                    IF (CHAR_LENGTH(T) <= 10 OR (CHAR_LENGTH(T) = 11 AND T NOT STARTING WITH '9')
                        OR POSITION(' ' IN TK) = 0) THEN
                    BEGIN
                        D = T;
                        P = P1;
                        LD = 1;
                        I = J;
                        B = 0;
                    END
                IF (B = 44) THEN
                    B = 32;
            END
            /* At the start of a run between spaces: digits and ( ) - . while no
               extension is pending (after a '+' that starts a number, too); only
               digits after an extension marker; or one word followed by noise. */
            IF (B = 32 AND I < L) THEN
            BEGIN
                J = POSITION(' ', SL, I);
                IF (J = 0) THEN
                    J = L;
                IF (J - I > 1) THEN
                BEGIN
                    TK = SUBSTRING(SL FROM I FOR J - I);
                    T = REPLACE(REPLACE(REPLACE(REPLACE(TK, '-', ''), '(', ''), ')', ''), '.', '');
                    IF (T SIMILAR TO '[0-9]+') THEN
                    BEGIN
                        IF (X = 0) THEN
                        BEGIN
                            D = D || T;
                            LD = 1;
                            I = J;
                        END
                        ELSE IF (TK = T) THEN
                        BEGIN
                            /* digits right after a marker: the extension */
                            X = 2;
                            XOK = IIF(PD IS NOT NULL AND PX = '', 1, 0);
                            IF (XOK = 1) THEN
                                PX = LEFT(T, 16);
                            LD = 1;
                            I = J;
                        END
                    END
                    ELSE IF (X = 0 AND D = '' AND T SIMILAR TO '[+][0-9]+') THEN
                    BEGIN
                        P = 1;
                        D = SUBSTRING(T FROM 2);
                        LD = 1;
                        I = J;
                    END
                    /* [a-z\x80-\xff]+[-().]* : one word, then noise */
                    ELSE IF (TK SIMILAR TO _ISO8859_1 x'5b612d7a802dff5d2b5b2d28292e5d2a') THEN
                    BEGIN
                        E = 1;
                        /* dob, dop, vn, dobavochnyi in Cyrillic (UTF-8 bytes) */
                        IF (T IN ('ext', 'extension', _ISO8859_1 x'd0b4d0bed0b1', _ISO8859_1 x'd0b4d0bed0bf',
                                  _ISO8859_1 x'd0b2d0bd', _ISO8859_1 x'd0b4d0bed0b1d0b0d0b2d0bed187d0bdd18bd0b9')
                            OR (T = 'x' AND LD = 1)) THEN
                            X = 1;
                        ELSE
                            X = 0;
                        LD = 0;
                        I = J;
                    END
                END
            END

            /* The byte loop; one position past the final ',' flushes the last number. */
            IF (I <= L) THEN
                B = ASCII_VAL(SUBSTRING(SL FROM I FOR 1));
            ELSE
                B = 44;
            IF (WS > 0) THEN
            BEGIN
                /* a word ends at the first non-letter */
                IF (NOT (B BETWEEN 97 AND 122 OR B >= 128)) THEN
                BEGIN
                    T = SUBSTRING(SL FROM WS FOR I - WS);
                    IF (T IN ('ext', 'extension', _ISO8859_1 x'd0b4d0bed0b1', _ISO8859_1 x'd0b4d0bed0bf',
                              _ISO8859_1 x'd0b2d0bd', _ISO8859_1 x'd0b4d0bed0b1d0b0d0b2d0bed187d0bdd18bd0b9')
                        OR (T = 'x' AND WD = 1)) THEN
                        X = 1;
                    ELSE
                        X = 0;
                    WS = 0;
                    LD = 0;
                END
            END

            IF (B BETWEEN 48 AND 57) THEN                     /* digit */
            BEGIN
                IF (X = 0) THEN
                    D = D || ASCII_CHAR(B);
                ELSE
                BEGIN
                    IF (X = 1) THEN
                    BEGIN
                        X = 2;
                        XOK = IIF(PD IS NOT NULL AND PX = '', 1, 0);
                    END
                    IF (XOK = 1 AND CHAR_LENGTH(PX) < 16) THEN
                        PX = PX || ASCII_CHAR(B);
                END
                LD = 1;
            END
            ELSE IF (B = 32 OR B = 9 OR B = 13) THEN          /* space */
            BEGIN
                B = 32;
                IF (X = 2) THEN
                    X = 0;
                IF (D <> '') THEN
                    IF ((CHAR_LENGTH(D) = 11 AND LEFT(D, 1) IN ('7', '8'))
                        OR (P = 1 AND CHAR_LENGTH(D) >= 11)
                        OR (CHAR_LENGTH(D) = 10 AND LEFT(D, 1) = '9')) THEN
                        E = 1;
            END
            ELSE IF (B BETWEEN 97 AND 122 OR B >= 128) THEN   /* letter */
            BEGIN
                IF (WS = 0) THEN
                BEGIN
                    WS = I;
                    WD = LD;
                    E = 1;
                    IF (X = 2) THEN
                        X = 0;
                END
            END
            ELSE IF (B IN (40, 41, 45, 46)) THEN              /* ( ) - . */
            BEGIN
                IF (X = 2) THEN
                    X = 0;
            END
            ELSE IF (B = 43) THEN                             /* + */
            BEGIN
                X = 0;
                LD = 0;
                IF (D = '') THEN
                    P = 1;
                ELSE
                BEGIN
                    E = 1;
                    NP = 1;
                END
            END
            ELSE IF (B = 35) THEN                             /* # */
            BEGIN
                E = 1;
                X = 1;
                LD = 0;
            END
            ELSE IF (B = 58 AND X = 1) THEN                   /* ':' after a marker */
                LD = 0;
            ELSE                                              /* ',' and any other */
            BEGIN
                E = 1;
                X = 0;
                LD = 0;
            END

            IF (E = 1) THEN
            BEGIN
                /* End the current number: the previous one can no longer get
                   an extension, so return it; this one becomes the last. */
                IF (D <> '' OR I > L) THEN
                BEGIN
                    IF (PD IS NOT NULL) THEN
                    BEGIN
                        /* The key of PD (the rules of the fast path). */
                        N = CHAR_LENGTH(PD);
                        K = NULL;
                        IF (N = 11 AND LEFT(PD, 1) IN ('7', '8')) THEN
                            K = CC || RIGHT(PD, 10);
                        ELSE IF (PP = 1) THEN
                        BEGIN
                            IF (LEFT(PD, 1) <> '7' AND N BETWEEN 8 AND 15) THEN
                                K = PD;
                        END
                        ELSE IF (N = 10) THEN
                            K = CC || PD;
                        ELSE IF (N BETWEEN 5 AND 7 AND CHAR_LENGTH(AREA) + N = 10) THEN
                            K = CC || AREA || PD;
                        IF (K IS NOT NULL AND POSITION(',' || K || ',' IN SEEN) = 0) THEN
                        BEGIN
                            SEEN = SEEN || K || ',';
                            O = O + 1;
                            PK = K;
                            EXT = NULLIF(PX, '');
                            SUSPEND;
                        END
                    END
                    PD = NULLIF(D, '');
                    PP = P;
                    PX = '';
                    D = '';
                END
                P = NP;
                NP = 0;
                E = 0;
            END
            I = I + 1;
        END
    END

    DECLARE SL VARCHAR(1024) CHARACTER SET ISO8859_1;
    DECLARE T  VARCHAR(1024) CHARACTER SET ISO8859_1;
    DECLARE V  VARCHAR(7) CHARACTER SET ASCII;
    DECLARE L  INTEGER;
    DECLARE P  SMALLINT;
BEGIN
    ORDINAL = 0;
    IF (RAW IS NULL) THEN
        EXIT;

    /* Fast path: only digits, spaces, ( ) - . and one leading '+', and no
       space can end a complete number before the last digit: one number. */
    SL = CAST(CAST(RAW AS VARCHAR(1024) CHARACTER SET OCTETS) AS VARCHAR(1024) CHARACTER SET ISO8859_1);
    T = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(SL, ' ', ''), '-', ''), '(', ''), ')', ''), '.', '');
    P = 0;
    IF (T STARTING WITH '+') THEN
    BEGIN
        P = 1;
        T = SUBSTRING(T FROM 2);
    END
    IF (T SIMILAR TO '[0-9]+') THEN
    BEGIN
        L = CHAR_LENGTH(T);
        IF (L <= 10 OR (L = 11 AND T NOT STARTING WITH '9') OR POSITION(' ' IN SL) = 0) THEN
        BEGIN
            /* Digits -> key */
            IF (L = 11 AND LEFT(T, 1) IN ('7', '8')) THEN
                PHONE_KEY = RIGHT(T, 10);
            ELSE IF (P = 1) THEN
            BEGIN
                IF (LEFT(T, 1) <> '7' AND L BETWEEN 8 AND 15) THEN
                BEGIN
                    PHONE_KEY = T;
                    ORDINAL = 1;
                    SUSPEND;
                END
                EXIT;
            END
            ELSE IF (L = 10) THEN
                PHONE_KEY = T;
            ELSE IF (L BETWEEN 5 AND 7) THEN
            BEGIN
                V = RDB$GET_CONTEXT('USER_TRANSACTION', 'MISLINK.phone.area_code');
                IF (V IS NULL) THEN
                    V = MISLINK_SETTING('phone.area_code');
                IF (CHAR_LENGTH(V) + L <> 10) THEN
                    EXIT;
                PHONE_KEY = V || T;
            END
            ELSE
                EXIT;
            V = RDB$GET_CONTEXT('USER_TRANSACTION', 'MISLINK.phone.country_code');
            IF (V IS NULL) THEN
                V = MISLINK_SETTING('phone.country_code');
            PHONE_KEY = V || PHONE_KEY;
            ORDINAL = 1;
            SUSPEND;
            EXIT;
        END
    END
    /* No digit at all: no number. */
    ELSE IF (NOT (T SIMILAR TO '%[0-9]%')) THEN
        EXIT;

    FOR SELECT O, PK, EXT FROM SCAN(:RAW) INTO :ORDINAL, :PHONE_KEY, :EXTENSION DO
        SUSPEND;
END^

COMMENT ON PROCEDURE MISLINK_PHONE_KEYS IS
'Selectable: one row (ORDINAL, PHONE_KEY, EXTENSION) per phone number in a free-text field. Key = E.164 digits without +. Rules in SQL/README.md.'^

/* ------------------------------------------------------------------ */
/* The clinic's own numbers                                            */
/* ------------------------------------------------------------------ */

CREATE TABLE MISLINK_OWN_NUMBERS (
    PHONE_KEY   VARCHAR(20) CHARACTER SET ASCII NOT NULL,
    LABEL       VARCHAR(100) CHARACTER SET UTF8,
    CREATED_AT  TIMESTAMP,
    CONSTRAINT MISLINK_OWN_NUMBERS_PK PRIMARY KEY (PHONE_KEY),
    CONSTRAINT MISLINK_OWN_NUMBERS_KEY_CK CHECK (PHONE_KEY SIMILAR TO '[0-9]{5,15}')
)^

/* Accepts a number in any format MISLINK_PHONE_KEYS reads and stores its key. */
CREATE TRIGGER MISLINK_OWN_NUMBERS_BIU FOR MISLINK_OWN_NUMBERS
ACTIVE BEFORE INSERT OR UPDATE POSITION 0
AS
BEGIN
    NEW.PHONE_KEY = COALESCE((SELECT FIRST 1 K.PHONE_KEY FROM MISLINK_PHONE_KEYS(NEW.PHONE_KEY) K
                              ORDER BY K.ORDINAL), NEW.PHONE_KEY);
    IF (INSERTING AND NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = MISLINK_UTC_NOW();
END^

COMMENT ON TABLE MISLINK_OWN_NUMBERS IS
'Phone keys of the clinic itself (lines, operators, departments): never matched to a patient.'^
COMMENT ON COLUMN MISLINK_OWN_NUMBERS.PHONE_KEY IS 'Phone key (E.164 digits without +); any format is normalised on insert.'^
COMMENT ON COLUMN MISLINK_OWN_NUMBERS.LABEL IS 'What the number is (main line, reception ...).'^
COMMENT ON COLUMN MISLINK_OWN_NUMBERS.CREATED_AT IS 'When added, UTC.'^

/* ------------------------------------------------------------------ */
/* Privileges of the PSQL objects (the MIS user need not own them)     */
/* ------------------------------------------------------------------ */

GRANT SELECT ON MISLINK_SETTINGS TO TRIGGER MISLINK_SETTINGS_BIUD^
GRANT SELECT ON MISLINK_SETTINGS TO FUNCTION MISLINK_SETTING^
GRANT EXECUTE ON FUNCTION MISLINK_SETTING TO FUNCTION MISLINK_UTC_NOW^
GRANT EXECUTE ON FUNCTION MISLINK_SETTING TO PROCEDURE MISLINK_PHONE_KEYS^
GRANT EXECUTE ON PROCEDURE MISLINK_PHONE_KEYS TO TRIGGER MISLINK_OWN_NUMBERS_BIU^
GRANT EXECUTE ON FUNCTION MISLINK_UTC_NOW TO TRIGGER MISLINK_OWN_NUMBERS_BIU^

SET TERM ; ^
