/*
 * schema.sql -- "MedBaza" (MedBase), a stand-in for an old Delphi-era clinic
 * MIS on Firebird, deliberately unlike SQL/clinic-schema.sql in every way
 * MisLink cares about. NOT created by MisLink: it is the second shipped MIS
 * profile's model of a third-party database (tests and the demo only).
 *
 * Apply to an EMPTY database:
 *   CREATE DATABASE '<file>' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;
 *   isql-fb -q -bail -i SQL/profiles/medbase/schema.sql <file>
 * then, for the demo, demo-data.sql the same way.
 *
 * What differs from the reference MIS (see README.md next to this file):
 *  - Transliterated Russian names: KLIENTY (patients), SOTRUDNIKI (staff),
 *    USLUGI (services), PRIEMY (visits), KONTAKTY (patient contacts),
 *    LOGINY_SOTR (staff logins in other systems), GRAFIK (working hours),
 *    OTSUTSTVIYA (absences), FILIALY (branches).
 *  - Keys are BIGINT "codes" carrying the branch: branch 77 numbers its rows
 *    77000000000001, 77000000000002, ... (branch * 10^12 + generator value).
 *    Every BEFORE INSERT trigger calls NOVY_KOD, which reads the current
 *    branch from FILIALY.
 *  - A person's name is ONE column, FIO ("Surname Name Patronymic").
 *  - FIO and ADRES are CHARACTER SET NONE (the Delphi client wrote raw
 *    WIN1251 bytes there); every other text column is WIN1251 (the database
 *    default). A client must decode NONE as WIN1251.
 *  - Phones: three free-text columns in KLIENTY (TEL_MOB, TEL_DOM, TEL_RAB)
 *    PLUS any number of rows in KONTAKTY (kinds in VIDY_KONTAKTOV).
 *  - Visits are a DATE plus hour and minute SMALLINTs (no TIMESTAMP), with a
 *    length in minutes; SOSTOYANIE is a number (0 booked, 1 attended,
 *    2 cancelled, 3 no-show).
 *  - Flags are CHAR(1) 'Д' (yes) / 'Н' (no) (WIN1251 0xC4 / 0xCD);
 *    a deleted patient has PRIZNAK_UDAL <> 0 (1 deleted, 2 merged into
 *    the card DUBL_KOD).
 *  - No appeals table.
 *  - Booking only through the selectable procedure ZAPIS_NA_PRIEM, which
 *    validates patient, doctor, working hours, absences and the slot and
 *    raises E_ZAPIS with a Russian message; OTMENA_PRIEMA cancels and
 *    PERENOS_PRIEMA moves. The registry screens call them too.
 *
 * Character sets: the file is UTF-8 and isql reads it over a NONE
 * connection, so every Cyrillic literal carries the _UTF8 introducer (as in
 * SQL/clinic-schema.sql) and the result does not depend on the connection
 * character set.
 */

SET SQL DIALECT 3;
SET AUTODDL ON;

/* ===================================================================== */
/* Generators: one per table; the branch prefix is added by NOVY_KOD.    */
/* ===================================================================== */

CREATE GENERATOR GEN_KLIENTY;
CREATE GENERATOR GEN_KONTAKTY;
CREATE GENERATOR GEN_SOTRUDNIKI;
CREATE GENERATOR GEN_USLUGI;
CREATE GENERATOR GEN_PRIEMY;
CREATE GENERATOR GEN_GRAFIK;
CREATE GENERATOR GEN_OTSUTSTVIYA;

/* Raised by the booking procedures; the text is always given by the raise. */
CREATE EXCEPTION E_ZAPIS _UTF8 'Ошибка записи на приём';

/* ===================================================================== */
/* Tables                                                                 */
/* ===================================================================== */

/* Branches of the clinic network. Exactly one row has TEKUSHCHIY = 'Д':
   the branch this database belongs to; its KOD prefixes every new key. */
CREATE TABLE FILIALY (
    KOD             SMALLINT NOT NULL,
    NAIMENOVANIE    VARCHAR(100) NOT NULL,
    TEKUSHCHIY      CHAR(1) DEFAULT _UTF8 'Н' NOT NULL,
    CONSTRAINT PK_FILIALY PRIMARY KEY (KOD),
    CONSTRAINT CHK_FILIALY_KOD CHECK (KOD BETWEEN 1 AND 9000),
    CONSTRAINT CHK_FILIALY_TEKUSHCHIY CHECK (TEKUSHCHIY IN (_UTF8 'Д', _UTF8 'Н'))
);

/* Patients ("clients"). FIO is "Surname Name Patronymic" in one NONE
   column. TEL_* are free text as registrars typed them ("8 (916) 123-45-67",
   "+7 916 ...", "45-67-89", two numbers in one field). SOGL_SMS /
   SOGL_MESSENDZHER: consent to SMS / to messengers, 'Д' or 'Н'.
   PRIZNAK_UDAL: 0 live, 1 deleted, 2 merged into card DUBL_KOD; rows are
   never physically deleted by the MIS. */
CREATE TABLE KLIENTY (
    KOD                 BIGINT NOT NULL,
    NOMER_KARTY         VARCHAR(20),
    FIO                 VARCHAR(150) CHARACTER SET NONE NOT NULL,
    DATA_ROZHD          DATE,
    POL                 CHAR(1),
    TEL_MOB             VARCHAR(60),
    TEL_DOM             VARCHAR(60),
    TEL_RAB             VARCHAR(60),
    EMAIL               VARCHAR(100),
    ADRES               VARCHAR(250) CHARACTER SET NONE,
    SOGL_SMS            CHAR(1) DEFAULT _UTF8 'Н' NOT NULL,
    SOGL_MESSENDZHER    CHAR(1) DEFAULT _UTF8 'Н' NOT NULL,
    PRIZNAK_UDAL        SMALLINT DEFAULT 0 NOT NULL,
    DUBL_KOD            BIGINT,
    PRIMECHANIE         VARCHAR(500),
    DATA_REG            TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    KTO_REG             BIGINT,
    CONSTRAINT PK_KLIENTY PRIMARY KEY (KOD),
    CONSTRAINT UNQ_KLIENTY_KARTA UNIQUE (NOMER_KARTY),
    CONSTRAINT FK_KLIENTY_DUBL FOREIGN KEY (DUBL_KOD) REFERENCES KLIENTY (KOD),
    CONSTRAINT CHK_KLIENTY_POL CHECK (POL IS NULL OR POL IN (_UTF8 'М', _UTF8 'Ж')),
    CONSTRAINT CHK_KLIENTY_SOGL_SMS CHECK (SOGL_SMS IN (_UTF8 'Д', _UTF8 'Н')),
    CONSTRAINT CHK_KLIENTY_SOGL_MESS CHECK (SOGL_MESSENDZHER IN (_UTF8 'Д', _UTF8 'Н')),
    CONSTRAINT CHK_KLIENTY_UDAL CHECK (PRIZNAK_UDAL IN (0, 1, 2)),
    CONSTRAINT CHK_KLIENTY_DUBL CHECK (PRIZNAK_UDAL = 2 OR DUBL_KOD IS NULL)
);

/* Kinds of contact. ETO_TELEFON = 'Д' when ZNACHENIE of that kind is a
   phone number (MisLink reads only those). */
CREATE TABLE VIDY_KONTAKTOV (
    KOD             SMALLINT NOT NULL,
    NAIMENOVANIE    VARCHAR(40) NOT NULL,
    ETO_TELEFON     CHAR(1) DEFAULT _UTF8 'Д' NOT NULL,
    CONSTRAINT PK_VIDY_KONTAKTOV PRIMARY KEY (KOD),
    CONSTRAINT CHK_VIDY_KONTAKTOV_TEL CHECK (ETO_TELEFON IN (_UTF8 'Д', _UTF8 'Н'))
);

/* Further contacts of a patient: relatives' phones, a second mobile, e-mail,
   a messenger. ZNACHENIE is free text like the TEL_* columns. */
CREATE TABLE KONTAKTY (
    KOD             BIGINT NOT NULL,
    KOD_KLIENTA     BIGINT NOT NULL,
    VID             SMALLINT NOT NULL,
    ZNACHENIE       VARCHAR(100) NOT NULL,
    KOMMENTARIY     VARCHAR(100),
    CONSTRAINT PK_KONTAKTY PRIMARY KEY (KOD),
    CONSTRAINT FK_KONTAKTY_KLIENT FOREIGN KEY (KOD_KLIENTA)
        REFERENCES KLIENTY (KOD) ON DELETE CASCADE,
    CONSTRAINT FK_KONTAKTY_VID FOREIGN KEY (VID) REFERENCES VIDY_KONTAKTOV (KOD)
);

/* Employees. RABOTAET 'Д' while employed and active; VRACH 'Д' for those
   who see patients (the only ones a visit can be booked with). KABINET is
   the default room. */
CREATE TABLE SOTRUDNIKI (
    KOD             BIGINT NOT NULL,
    FIO             VARCHAR(150) CHARACTER SET NONE NOT NULL,
    DOLZHNOST       VARCHAR(80),
    VRACH           CHAR(1) DEFAULT _UTF8 'Н' NOT NULL,
    KABINET         VARCHAR(10),
    RABOTAET        CHAR(1) DEFAULT _UTF8 'Д' NOT NULL,
    DATA_UVOLN      DATE,
    CONSTRAINT PK_SOTRUDNIKI PRIMARY KEY (KOD),
    CONSTRAINT CHK_SOTRUDNIKI_VRACH CHECK (VRACH IN (_UTF8 'Д', _UTF8 'Н')),
    CONSTRAINT CHK_SOTRUDNIKI_RABOTAET CHECK (RABOTAET IN (_UTF8 'Д', _UTF8 'Н'))
);

/* An employee's login in another system: one row per (system, login).
   SISTEMA: 'ATS' PBX extension, 'SIP' SIP address, 'CHAT' chat-platform
   login, 'MIS' MedBaza's own login. An employee may have several logins
   of one system, or none. PAROL_HASH: the password of a 'MIS' login as
   MedBaza keeps it, 'sha256:<salt hex>:<hex of SHA-256(salt + password)>'
   (NULL: no password, the login cannot be used). */
CREATE TABLE LOGINY_SOTR (
    KOD_SOTR        BIGINT NOT NULL,
    SISTEMA         VARCHAR(8) NOT NULL,
    LOGIN           VARCHAR(100) NOT NULL,
    PAROL_HASH      VARCHAR(200),
    CONSTRAINT PK_LOGINY_SOTR PRIMARY KEY (SISTEMA, LOGIN),
    CONSTRAINT FK_LOGINY_SOTR_SOTR FOREIGN KEY (KOD_SOTR)
        REFERENCES SOTRUDNIKI (KOD) ON DELETE CASCADE,
    CONSTRAINT CHK_LOGINY_SOTR_SISTEMA CHECK (SISTEMA IN ('ATS', 'SIP', 'CHAT', 'MIS'))
);

/* Price list. DLIT_MIN is the visit length the booking takes by default. */
CREATE TABLE USLUGI (
    KOD             BIGINT NOT NULL,
    SHIFR           VARCHAR(20),
    NAIMENOVANIE    VARCHAR(255) NOT NULL,
    TSENA           NUMERIC(12,2) DEFAULT 0 NOT NULL,
    DLIT_MIN        SMALLINT DEFAULT 30 NOT NULL,
    AKTIVNA         CHAR(1) DEFAULT _UTF8 'Д' NOT NULL,
    CONSTRAINT PK_USLUGI PRIMARY KEY (KOD),
    CONSTRAINT UNQ_USLUGI_SHIFR UNIQUE (SHIFR),
    CONSTRAINT CHK_USLUGI_DLIT CHECK (DLIT_MIN BETWEEN 5 AND 480),
    CONSTRAINT CHK_USLUGI_AKTIVNA CHECK (AKTIVNA IN (_UTF8 'Д', _UTF8 'Н'))
);

/* Which doctor provides which service (free slots for a service). */
CREATE TABLE USLUGI_VRACHA (
    KOD_VRACHA      BIGINT NOT NULL,
    KOD_USLUGI      BIGINT NOT NULL,
    CONSTRAINT PK_USLUGI_VRACHA PRIMARY KEY (KOD_VRACHA, KOD_USLUGI),
    CONSTRAINT FK_USLUGI_VRACHA_VRACH FOREIGN KEY (KOD_VRACHA)
        REFERENCES SOTRUDNIKI (KOD) ON DELETE CASCADE,
    CONSTRAINT FK_USLUGI_VRACHA_USLUGA FOREIGN KEY (KOD_USLUGI)
        REFERENCES USLUGI (KOD) ON DELETE CASCADE
);

/* Weekly working hours: a doctor works on DEN_NEDELI (1 Monday .. 7 Sunday)
   from NACH_CHAS:NACH_MIN to KON_CHAS:KON_MIN in room KABINET; the
   registry offers slots every SHAG_MIN minutes. Several rows per day are
   allowed (a break between them). */
CREATE TABLE GRAFIK (
    KOD             BIGINT NOT NULL,
    KOD_VRACHA      BIGINT NOT NULL,
    DEN_NEDELI      SMALLINT NOT NULL,
    NACH_CHAS       SMALLINT NOT NULL,
    NACH_MIN        SMALLINT DEFAULT 0 NOT NULL,
    KON_CHAS        SMALLINT NOT NULL,
    KON_MIN         SMALLINT DEFAULT 0 NOT NULL,
    SHAG_MIN        SMALLINT DEFAULT 30 NOT NULL,
    KABINET         VARCHAR(10),
    CONSTRAINT PK_GRAFIK PRIMARY KEY (KOD),
    CONSTRAINT FK_GRAFIK_VRACH FOREIGN KEY (KOD_VRACHA)
        REFERENCES SOTRUDNIKI (KOD) ON DELETE CASCADE,
    CONSTRAINT CHK_GRAFIK_DEN CHECK (DEN_NEDELI BETWEEN 1 AND 7),
    CONSTRAINT CHK_GRAFIK_VREMYA CHECK (NACH_CHAS BETWEEN 0 AND 23 AND KON_CHAS BETWEEN 0 AND 24
        AND NACH_MIN BETWEEN 0 AND 59 AND KON_MIN BETWEEN 0 AND 59
        AND KON_CHAS * 60 + KON_MIN > NACH_CHAS * 60 + NACH_MIN),
    CONSTRAINT CHK_GRAFIK_SHAG CHECK (SHAG_MIN BETWEEN 5 AND 240)
);

/* Days a doctor does not work (leave, sick leave, training), both ends
   included. */
CREATE TABLE OTSUTSTVIYA (
    KOD             BIGINT NOT NULL,
    KOD_VRACHA      BIGINT NOT NULL,
    S_DATY          DATE NOT NULL,
    PO_DATU         DATE NOT NULL,
    PRICHINA        VARCHAR(60),
    CONSTRAINT PK_OTSUTSTVIYA PRIMARY KEY (KOD),
    CONSTRAINT FK_OTSUTSTVIYA_VRACH FOREIGN KEY (KOD_VRACHA)
        REFERENCES SOTRUDNIKI (KOD) ON DELETE CASCADE,
    CONSTRAINT CHK_OTSUTSTVIYA_PERIOD CHECK (PO_DATU >= S_DATY)
);

/* Visits. The start is DATA_PRIEMA + CHAS:MINUTA, clinic wall-clock time;
   DLIT_MIN the length. SOSTOYANIE: 0 booked, 1 attended, 2 cancelled,
   3 no-show. ISTOCHNIK says who booked it ('REGISTRATURA', 'SAIT',
   'MISLINK', ...); VNESH_ID is the booking system's own reference (for
   MisLink: its appeal id). Rows are written by ZAPIS_NA_PRIEM,
   OTMENA_PRIEMA and PERENOS_PRIEMA, and by the doctor's screen (SOSTOYANIE
   1 or 3); history imported from the previous system is inserted
   directly. */
CREATE TABLE PRIEMY (
    KOD             BIGINT NOT NULL,
    KOD_KLIENTA     BIGINT NOT NULL,
    KOD_VRACHA      BIGINT NOT NULL,
    KOD_USLUGI      BIGINT,
    DATA_PRIEMA     DATE NOT NULL,
    CHAS            SMALLINT NOT NULL,
    MINUTA          SMALLINT DEFAULT 0 NOT NULL,
    DLIT_MIN        SMALLINT NOT NULL,
    KABINET         VARCHAR(10),
    SOSTOYANIE      SMALLINT DEFAULT 0 NOT NULL,
    ISTOCHNIK       VARCHAR(20) DEFAULT 'REGISTRATURA' NOT NULL,
    VNESH_ID        BIGINT,
    KTO_ZAPISAL     BIGINT,
    KOGDA_ZAPISAL   TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    KTO_IZMENIL     BIGINT,
    KOGDA_IZMENIL   TIMESTAMP,
    PRIMECHANIE     VARCHAR(500),
    CONSTRAINT PK_PRIEMY PRIMARY KEY (KOD),
    CONSTRAINT FK_PRIEMY_KLIENT FOREIGN KEY (KOD_KLIENTA) REFERENCES KLIENTY (KOD),
    CONSTRAINT FK_PRIEMY_VRACH FOREIGN KEY (KOD_VRACHA) REFERENCES SOTRUDNIKI (KOD),
    CONSTRAINT FK_PRIEMY_USLUGA FOREIGN KEY (KOD_USLUGI) REFERENCES USLUGI (KOD),
    CONSTRAINT FK_PRIEMY_KTO_ZAPISAL FOREIGN KEY (KTO_ZAPISAL) REFERENCES SOTRUDNIKI (KOD),
    CONSTRAINT CHK_PRIEMY_VREMYA CHECK (CHAS BETWEEN 0 AND 23 AND MINUTA BETWEEN 0 AND 59),
    CONSTRAINT CHK_PRIEMY_DLIT CHECK (DLIT_MIN BETWEEN 5 AND 480),
    CONSTRAINT CHK_PRIEMY_SOSTOYANIE CHECK (SOSTOYANIE IN (0, 1, 2, 3))
);

/* ===================================================================== */
/* Indexes                                                                */
/* ===================================================================== */

CREATE INDEX IDX_KLIENTY_FIO ON KLIENTY (FIO);
CREATE INDEX IDX_KLIENTY_DATA_ROZHD ON KLIENTY (DATA_ROZHD);
CREATE INDEX IDX_SOTRUDNIKI_VRACH ON SOTRUDNIKI (VRACH, RABOTAET);
CREATE INDEX IDX_LOGINY_SOTR_SOTR ON LOGINY_SOTR (KOD_SOTR, SISTEMA);
CREATE INDEX IDX_GRAFIK_VRACH_DEN ON GRAFIK (KOD_VRACHA, DEN_NEDELI);
CREATE INDEX IDX_OTSUTSTVIYA_VRACH ON OTSUTSTVIYA (KOD_VRACHA, S_DATY);
CREATE INDEX IDX_PRIEMY_VRACH_DATA ON PRIEMY (KOD_VRACHA, DATA_PRIEMA);
CREATE INDEX IDX_PRIEMY_KLIENT_DATA ON PRIEMY (KOD_KLIENTA, DATA_PRIEMA);
CREATE INDEX IDX_PRIEMY_DATA ON PRIEMY (DATA_PRIEMA);

/* ===================================================================== */
/* Keys with the branch prefix                                            */
/* ===================================================================== */

SET TERM ^ ;

/* NOVY_KOD(next generator value): the current branch's KOD * 10^12 + the
   value, e.g. branch 77, value 123 -> 77000000000123. Fails when FILIALY
   has no current branch (a database not set up yet). */
CREATE PROCEDURE NOVY_KOD (ZNACHENIE BIGINT)
RETURNS (KOD BIGINT)
AS
DECLARE FILIAL SMALLINT;
BEGIN
    SELECT F.KOD FROM FILIALY F WHERE F.TEKUSHCHIY = _UTF8 'Д' INTO :FILIAL;
    IF (FILIAL IS NULL) THEN
        EXCEPTION E_ZAPIS _UTF8 'Не задан текущий филиал (FILIALY.TEKUSHCHIY)';
    KOD = FILIAL * 1000000000000 + ZNACHENIE;
END^

CREATE TRIGGER KLIENTY_BI FOR KLIENTY
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_KLIENTY, 1)) RETURNING_VALUES NEW.KOD;
    IF (NEW.DATA_REG IS NULL) THEN
        NEW.DATA_REG = CURRENT_TIMESTAMP;
END^

CREATE TRIGGER KONTAKTY_BI FOR KONTAKTY
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_KONTAKTY, 1)) RETURNING_VALUES NEW.KOD;
END^

CREATE TRIGGER SOTRUDNIKI_BI FOR SOTRUDNIKI
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_SOTRUDNIKI, 1)) RETURNING_VALUES NEW.KOD;
END^

CREATE TRIGGER USLUGI_BI FOR USLUGI
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_USLUGI, 1)) RETURNING_VALUES NEW.KOD;
END^

CREATE TRIGGER GRAFIK_BI FOR GRAFIK
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_GRAFIK, 1)) RETURNING_VALUES NEW.KOD;
END^

CREATE TRIGGER OTSUTSTVIYA_BI FOR OTSUTSTVIYA
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_OTSUTSTVIYA, 1)) RETURNING_VALUES NEW.KOD;
END^

CREATE TRIGGER PRIEMY_BI FOR PRIEMY
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.KOD IS NULL) THEN
        EXECUTE PROCEDURE NOVY_KOD(GEN_ID(GEN_PRIEMY, 1)) RETURNING_VALUES NEW.KOD;
    IF (NEW.KOGDA_ZAPISAL IS NULL) THEN
        NEW.KOGDA_ZAPISAL = CURRENT_TIMESTAMP;
END^

/* Any change of a visit stamps KOGDA_IZMENIL unless the statement set it. */
CREATE TRIGGER PRIEMY_BU FOR PRIEMY
ACTIVE BEFORE UPDATE POSITION 0
AS
BEGIN
    IF (NEW.KOGDA_IZMENIL IS NOT DISTINCT FROM OLD.KOGDA_IZMENIL) THEN
        NEW.KOGDA_IZMENIL = CURRENT_TIMESTAMP;
END^

/* ===================================================================== */
/* Booking procedures (the only way the registry books)                   */
/* ===================================================================== */

/*
 * PROVERKA_SLOTA: raises E_ZAPIS with the reason when the doctor cannot
 * see a patient on DATA_PRIEMA from CHAS:MINUTA for DLIT_MIN minutes;
 * BEZ_PRIEMA is a visit to leave out of the clash check (the one being
 * moved). Checks, in order: the doctor exists, sees patients and works
 * here; the time is not in the past; no absence covers the day; the whole
 * visit fits in one GRAFIK interval of that weekday; no other live visit
 * (booked or attended) of the doctor overlaps it.
 */
CREATE PROCEDURE PROVERKA_SLOTA (
    KOD_VRACHA  BIGINT,
    DATA_PRIEMA DATE,
    CHAS        SMALLINT,
    MINUTA      SMALLINT,
    DLIT_MIN    SMALLINT,
    BEZ_PRIEMA  BIGINT)
RETURNS (KABINET VARCHAR(10))
AS
DECLARE VRACH_FIO VARCHAR(150) CHARACTER SET WIN1251;
DECLARE VRACH CHAR(1);
DECLARE RABOTAET CHAR(1);
DECLARE PRICHINA VARCHAR(60);
DECLARE NACHALO INTEGER;
DECLARE DEN SMALLINT;
DECLARE VREMYA VARCHAR(40) CHARACTER SET WIN1251;
BEGIN
    IF (KOD_VRACHA IS NULL OR DATA_PRIEMA IS NULL OR CHAS IS NULL OR MINUTA IS NULL) THEN
        EXCEPTION E_ZAPIS _UTF8 'Не указаны врач, дата или время приёма';
    IF (CHAS NOT BETWEEN 0 AND 23 OR MINUTA NOT BETWEEN 0 AND 59
        OR DLIT_MIN IS NULL OR DLIT_MIN NOT BETWEEN 5 AND 480) THEN
        EXCEPTION E_ZAPIS _UTF8 'Неверное время или длительность приёма';

    SELECT CAST(S.FIO AS VARCHAR(150) CHARACTER SET WIN1251), S.VRACH, S.RABOTAET, S.KABINET
      FROM SOTRUDNIKI S WHERE S.KOD = :KOD_VRACHA
      INTO :VRACH_FIO, :VRACH, :RABOTAET, :KABINET;
    IF (VRACH_FIO IS NULL) THEN
        EXCEPTION E_ZAPIS _UTF8 'Врач не найден (код ' || KOD_VRACHA || ')';
    IF (VRACH IS DISTINCT FROM _UTF8 'Д') THEN
        EXCEPTION E_ZAPIS _UTF8 'Сотрудник ' || VRACH_FIO || _UTF8 ' не ведёт приём пациентов';
    IF (RABOTAET IS DISTINCT FROM _UTF8 'Д') THEN
        EXCEPTION E_ZAPIS _UTF8 'Врач ' || VRACH_FIO || _UTF8 ' не работает (уволен или отключён), запись невозможна';

    NACHALO = CHAS * 60 + MINUTA;
    VREMYA = LPAD(CHAS, 2, '0') || ':' || LPAD(MINUTA, 2, '0') || ' '
          || LPAD(EXTRACT(DAY FROM DATA_PRIEMA), 2, '0') || '.'
          || LPAD(EXTRACT(MONTH FROM DATA_PRIEMA), 2, '0') || '.' || EXTRACT(YEAR FROM DATA_PRIEMA);
    IF (DATEADD(NACHALO MINUTE TO CAST(DATA_PRIEMA AS TIMESTAMP)) < CURRENT_TIMESTAMP) THEN
        EXCEPTION E_ZAPIS _UTF8 'Нельзя записать на прошедшее время (' || VREMYA || ')';

    SELECT FIRST 1 O.PRICHINA FROM OTSUTSTVIYA O
     WHERE O.KOD_VRACHA = :KOD_VRACHA AND :DATA_PRIEMA BETWEEN O.S_DATY AND O.PO_DATU
      INTO :PRICHINA;
    IF (ROW_COUNT > 0) THEN
        EXCEPTION E_ZAPIS _UTF8 'Врач ' || VRACH_FIO || _UTF8 ' отсутствует ' || SUBSTRING(VREMYA FROM 7)
            || COALESCE(' (' || PRICHINA || ')', '');

    DEN = MOD(EXTRACT(WEEKDAY FROM DATA_PRIEMA) + 6, 7) + 1;
    SELECT FIRST 1 COALESCE(G.KABINET, :KABINET) FROM GRAFIK G
     WHERE G.KOD_VRACHA = :KOD_VRACHA AND G.DEN_NEDELI = :DEN
       AND G.NACH_CHAS * 60 + G.NACH_MIN <= :NACHALO
       AND G.KON_CHAS * 60 + G.KON_MIN >= :NACHALO + :DLIT_MIN
      INTO :KABINET;
    IF (ROW_COUNT = 0) THEN
        EXCEPTION E_ZAPIS _UTF8 'Время ' || VREMYA || _UTF8 ' вне графика работы врача ' || VRACH_FIO;

    IF (EXISTS (SELECT 1 FROM PRIEMY P
                 WHERE P.KOD_VRACHA = :KOD_VRACHA AND P.DATA_PRIEMA = :DATA_PRIEMA
                   AND P.SOSTOYANIE IN (0, 1)
                   AND P.KOD IS DISTINCT FROM :BEZ_PRIEMA
                   AND P.CHAS * 60 + P.MINUTA < :NACHALO + :DLIT_MIN
                   AND P.CHAS * 60 + P.MINUTA + P.DLIT_MIN > :NACHALO)) THEN
        EXCEPTION E_ZAPIS _UTF8 'Время ' || VREMYA || _UTF8 ' у врача ' || VRACH_FIO || _UTF8 ' уже занято';
END^

/*
 * BLOKIROVKA_VRACHA: serialises bookings of one doctor by locking the
 * doctor's SOTRUDNIKI row (a dummy update) until the caller's transaction
 * ends. A caller that had to wait for another booking of the same doctor
 * gets an update conflict once that one commits; in a READ COMMITTED
 * transaction the second attempt succeeds and the slot check then sees the
 * other visit ("... уже занято"). In a SNAPSHOT transaction it cannot, and
 * the caller is told to try again.
 */
CREATE PROCEDURE BLOKIROVKA_VRACHA (KOD_VRACHA BIGINT)
AS
BEGIN
    BEGIN
        UPDATE SOTRUDNIKI SET KOD = KOD WHERE KOD = :KOD_VRACHA;
        WHEN GDSCODE UPDATE_CONFLICT, GDSCODE DEADLOCK, GDSCODE LOCK_CONFLICT DO
        BEGIN
            BEGIN
                UPDATE SOTRUDNIKI SET KOD = KOD WHERE KOD = :KOD_VRACHA;
                WHEN GDSCODE UPDATE_CONFLICT, GDSCODE DEADLOCK, GDSCODE LOCK_CONFLICT DO
                    EXCEPTION E_ZAPIS _UTF8 'Расписание врача только что изменил другой пользователь, повторите запись';
            END
        END
    END
END^

/*
 * ZAPIS_NA_PRIEM: books a visit and returns its code. Selectable (one row,
 * SELECT KOD_PRIEMA FROM ZAPIS_NA_PRIEM(...)) so that callers can name the
 * column; EXECUTE PROCEDURE works as well. DLIT_MIN NULL takes the
 * service's length (30 without a service). Checks the patient (exists,
 * not deleted), the service (active), then PROVERKA_SLOTA. Concurrent
 * bookings of one doctor are serialised by BLOKIROVKA_VRACHA: the later
 * one waits for the earlier transaction and then fails with "уже занято"
 * when they clash.
 */
CREATE PROCEDURE ZAPIS_NA_PRIEM (
    KOD_KLIENTA BIGINT,
    KOD_VRACHA  BIGINT,
    KOD_USLUGI  BIGINT,
    DATA_PRIEMA DATE,
    CHAS        SMALLINT,
    MINUTA      SMALLINT,
    DLIT_MIN    SMALLINT,
    KTO_ZAPISAL BIGINT,
    ISTOCHNIK   VARCHAR(20),
    VNESH_ID    BIGINT)
RETURNS (KOD_PRIEMA BIGINT)
AS
DECLARE UDAL SMALLINT;
DECLARE AKTIVNA CHAR(1);
DECLARE DLIT SMALLINT;
DECLARE DLIT_USLUGI SMALLINT;
DECLARE KABINET VARCHAR(10);
BEGIN
    SELECT K.PRIZNAK_UDAL FROM KLIENTY K WHERE K.KOD = :KOD_KLIENTA INTO :UDAL;
    IF (UDAL IS NULL) THEN
        EXCEPTION E_ZAPIS _UTF8 'Пациент не найден (код ' || COALESCE(CAST(KOD_KLIENTA AS VARCHAR(20)), 'NULL') || ')';
    IF (UDAL <> 0) THEN
        EXCEPTION E_ZAPIS _UTF8 'Карта пациента удалена или объединена с другой, запись невозможна';
    DLIT = DLIT_MIN;
    IF (KOD_USLUGI IS NOT NULL) THEN
    BEGIN
        SELECT U.AKTIVNA, U.DLIT_MIN FROM USLUGI U WHERE U.KOD = :KOD_USLUGI INTO :AKTIVNA, :DLIT_USLUGI;
        IF (AKTIVNA IS NULL) THEN
            EXCEPTION E_ZAPIS _UTF8 'Услуга не найдена (код ' || KOD_USLUGI || ')';
        IF (AKTIVNA <> _UTF8 'Д') THEN
            EXCEPTION E_ZAPIS _UTF8 'Услуга больше не оказывается';
        DLIT = COALESCE(DLIT, DLIT_USLUGI);
    END
    DLIT = COALESCE(DLIT, 30);

    /* Serialise bookings of one doctor. */
    EXECUTE PROCEDURE BLOKIROVKA_VRACHA(KOD_VRACHA);

    EXECUTE PROCEDURE PROVERKA_SLOTA(KOD_VRACHA, DATA_PRIEMA, CHAS, MINUTA, DLIT, NULL)
        RETURNING_VALUES KABINET;

    INSERT INTO PRIEMY (KOD_KLIENTA, KOD_VRACHA, KOD_USLUGI, DATA_PRIEMA, CHAS, MINUTA, DLIT_MIN,
                        KABINET, SOSTOYANIE, ISTOCHNIK, VNESH_ID, KTO_ZAPISAL)
    VALUES (:KOD_KLIENTA, :KOD_VRACHA, :KOD_USLUGI, :DATA_PRIEMA, :CHAS, :MINUTA, :DLIT,
            :KABINET, 0, COALESCE(:ISTOCHNIK, 'REGISTRATURA'), :VNESH_ID, :KTO_ZAPISAL)
    RETURNING KOD INTO :KOD_PRIEMA;
    SUSPEND;
END^

/* OTMENA_PRIEMA: cancels a booked visit (SOSTOYANIE 0 -> 2). Refuses an
   unknown visit and one that is no longer booked. */
CREATE PROCEDURE OTMENA_PRIEMA (KOD_PRIEMA BIGINT, KTO BIGINT)
AS
DECLARE SOST SMALLINT;
BEGIN
    SELECT P.SOSTOYANIE FROM PRIEMY P WHERE P.KOD = :KOD_PRIEMA INTO :SOST;
    IF (SOST IS NULL) THEN
        EXCEPTION E_ZAPIS _UTF8 'Запись на приём не найдена (код ' || COALESCE(CAST(KOD_PRIEMA AS VARCHAR(20)), 'NULL') || ')';
    IF (SOST <> 0) THEN
        EXCEPTION E_ZAPIS _UTF8 'Отменить можно только предстоящую запись (приём уже состоялся или отменён)';
    UPDATE PRIEMY SET SOSTOYANIE = 2, KTO_IZMENIL = :KTO WHERE KOD = :KOD_PRIEMA;
END^

/* PERENOS_PRIEMA: moves a booked visit to another day and time with the
   same doctor (validated like a new booking, the visit itself left out of
   the clash check). */
CREATE PROCEDURE PERENOS_PRIEMA (
    KOD_PRIEMA  BIGINT,
    DATA_PRIEMA DATE,
    CHAS        SMALLINT,
    MINUTA      SMALLINT,
    KTO         BIGINT)
AS
DECLARE SOST SMALLINT;
DECLARE VRACH BIGINT;
DECLARE DLIT SMALLINT;
DECLARE KABINET VARCHAR(10);
BEGIN
    SELECT P.SOSTOYANIE, P.KOD_VRACHA, P.DLIT_MIN FROM PRIEMY P WHERE P.KOD = :KOD_PRIEMA
      INTO :SOST, :VRACH, :DLIT;
    IF (SOST IS NULL) THEN
        EXCEPTION E_ZAPIS _UTF8 'Запись на приём не найдена (код ' || COALESCE(CAST(KOD_PRIEMA AS VARCHAR(20)), 'NULL') || ')';
    IF (SOST <> 0) THEN
        EXCEPTION E_ZAPIS _UTF8 'Перенести можно только предстоящую запись (приём уже состоялся или отменён)';
    EXECUTE PROCEDURE BLOKIROVKA_VRACHA(VRACH);
    EXECUTE PROCEDURE PROVERKA_SLOTA(VRACH, DATA_PRIEMA, CHAS, MINUTA, DLIT, KOD_PRIEMA)
        RETURNING_VALUES KABINET;
    UPDATE PRIEMY SET DATA_PRIEMA = :DATA_PRIEMA, CHAS = :CHAS, MINUTA = :MINUTA,
                      KABINET = :KABINET, KTO_IZMENIL = :KTO
     WHERE KOD = :KOD_PRIEMA;
END^

SET TERM ; ^

/* ===================================================================== */
/* Privileges of the PSQL objects: users of the MIS (and MisLink's role) */
/* need only EXECUTE on the booking procedures, never INSERT or UPDATE   */
/* on PRIEMY.                                                             */
/* ===================================================================== */

GRANT SELECT ON FILIALY TO PROCEDURE NOVY_KOD;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER KLIENTY_BI;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER KONTAKTY_BI;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER SOTRUDNIKI_BI;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER USLUGI_BI;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER GRAFIK_BI;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER OTSUTSTVIYA_BI;
GRANT EXECUTE ON PROCEDURE NOVY_KOD TO TRIGGER PRIEMY_BI;
GRANT USAGE ON GENERATOR GEN_KLIENTY TO TRIGGER KLIENTY_BI;
GRANT USAGE ON GENERATOR GEN_KONTAKTY TO TRIGGER KONTAKTY_BI;
GRANT USAGE ON GENERATOR GEN_SOTRUDNIKI TO TRIGGER SOTRUDNIKI_BI;
GRANT USAGE ON GENERATOR GEN_USLUGI TO TRIGGER USLUGI_BI;
GRANT USAGE ON GENERATOR GEN_GRAFIK TO TRIGGER GRAFIK_BI;
GRANT USAGE ON GENERATOR GEN_OTSUTSTVIYA TO TRIGGER OTSUTSTVIYA_BI;
GRANT USAGE ON GENERATOR GEN_PRIEMY TO TRIGGER PRIEMY_BI;
GRANT USAGE ON EXCEPTION E_ZAPIS TO PROCEDURE NOVY_KOD;
GRANT USAGE ON EXCEPTION E_ZAPIS TO PROCEDURE PROVERKA_SLOTA;
GRANT USAGE ON EXCEPTION E_ZAPIS TO PROCEDURE ZAPIS_NA_PRIEM;
GRANT USAGE ON EXCEPTION E_ZAPIS TO PROCEDURE OTMENA_PRIEMA;
GRANT USAGE ON EXCEPTION E_ZAPIS TO PROCEDURE PERENOS_PRIEMA;
GRANT SELECT ON SOTRUDNIKI TO PROCEDURE PROVERKA_SLOTA;
GRANT SELECT ON OTSUTSTVIYA TO PROCEDURE PROVERKA_SLOTA;
GRANT SELECT ON GRAFIK TO PROCEDURE PROVERKA_SLOTA;
GRANT SELECT ON PRIEMY TO PROCEDURE PROVERKA_SLOTA;
GRANT SELECT ON KLIENTY TO PROCEDURE ZAPIS_NA_PRIEM;
GRANT SELECT ON USLUGI TO PROCEDURE ZAPIS_NA_PRIEM;
GRANT EXECUTE ON PROCEDURE BLOKIROVKA_VRACHA TO PROCEDURE ZAPIS_NA_PRIEM;
GRANT SELECT, INSERT ON PRIEMY TO PROCEDURE ZAPIS_NA_PRIEM;
GRANT EXECUTE ON PROCEDURE PROVERKA_SLOTA TO PROCEDURE ZAPIS_NA_PRIEM;
GRANT SELECT, UPDATE ON PRIEMY TO PROCEDURE OTMENA_PRIEMA;
GRANT SELECT, UPDATE ON PRIEMY TO PROCEDURE PERENOS_PRIEMA;
GRANT EXECUTE ON PROCEDURE BLOKIROVKA_VRACHA TO PROCEDURE PERENOS_PRIEMA;
GRANT SELECT, UPDATE ON SOTRUDNIKI TO PROCEDURE BLOKIROVKA_VRACHA;
GRANT USAGE ON EXCEPTION E_ZAPIS TO PROCEDURE BLOKIROVKA_VRACHA;
GRANT EXECUTE ON PROCEDURE PROVERKA_SLOTA TO PROCEDURE PERENOS_PRIEMA;

/* End of DDL. */
COMMIT;

/* ===================================================================== */
/* Reference data: the branch and the contact kinds. Everything else is  */
/* in demo-data.sql.                                                      */
/* ===================================================================== */

INSERT INTO FILIALY (KOD, NAIMENOVANIE, TEKUSHCHIY) VALUES (77, _UTF8 'МедБаза на Садовой', _UTF8 'Д');
INSERT INTO FILIALY (KOD, NAIMENOVANIE, TEKUSHCHIY) VALUES (78, _UTF8 'МедБаза на Лесной', _UTF8 'Н');

INSERT INTO VIDY_KONTAKTOV (KOD, NAIMENOVANIE, ETO_TELEFON) VALUES (1, _UTF8 'Мобильный телефон', _UTF8 'Д');
INSERT INTO VIDY_KONTAKTOV (KOD, NAIMENOVANIE, ETO_TELEFON) VALUES (2, _UTF8 'Домашний телефон', _UTF8 'Д');
INSERT INTO VIDY_KONTAKTOV (KOD, NAIMENOVANIE, ETO_TELEFON) VALUES (3, _UTF8 'Рабочий телефон', _UTF8 'Д');
INSERT INTO VIDY_KONTAKTOV (KOD, NAIMENOVANIE, ETO_TELEFON) VALUES (4, _UTF8 'Телефон родственника', _UTF8 'Д');
INSERT INTO VIDY_KONTAKTOV (KOD, NAIMENOVANIE, ETO_TELEFON) VALUES (5, _UTF8 'Электронная почта', _UTF8 'Н');
INSERT INTO VIDY_KONTAKTOV (KOD, NAIMENOVANIE, ETO_TELEFON) VALUES (6, _UTF8 'Telegram', _UTF8 'Н');

COMMIT;
