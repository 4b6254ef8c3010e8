/*
 * clinic-schema.sql -- stand-in model of an existing clinic MIS database
 * (Firebird 3.0, dialect 3, database default character set WIN1251).
 *
 * This is NOT what MisLink creates. It models the third-party medical
 * information system that MisLink connects to, so that tests, demos and
 * benchmarks have something realistic to run against: generators, BEFORE
 * INSERT triggers assigning IDs, foreign keys, CHECK constraints and
 * indexes in the classic Firebird MIS style.
 *
 * Apply to an EMPTY database created with
 *   CREATE DATABASE '<file>' PAGE_SIZE 8192 DEFAULT CHARACTER SET WIN1251;
 * using
 *   isql-fb -q -bail -i SQL/clinic-schema.sql <file>
 *
 * This file is UTF-8. Text columns carry no explicit character set, so
 * they are WIN1251 (the database default). Timestamps are local clinic
 * time (Firebird 3 has no time zone types).
 *
 * Character set note: SET NAMES below only affects connections opened
 * AFTER it, and isql has already connected (with charset NONE) when it
 * reads a file given with -i. Therefore every Cyrillic literal in the
 * reference data section carries an explicit _UTF8 introducer, which the
 * server transliterates into WIN1251 whatever the connection charset is.
 */

SET NAMES UTF8;
SET SQL DIALECT 3;
SET AUTODDL ON;

/* ===================================================================== */
/* Generators                                                             */
/* ===================================================================== */

CREATE GENERATOR GEN_DEPARTMENTS_ID;
CREATE GENERATOR GEN_STAFF_ID;
CREATE GENERATOR GEN_PATIENTS_ID;
CREATE GENERATOR GEN_SERVICES_ID;
CREATE GENERATOR GEN_APPEALS_ID;
CREATE GENERATOR GEN_SCHEDULE_ID;

/* ===================================================================== */
/* Tables                                                                 */
/* ===================================================================== */

/* Clinic departments (reference). */
CREATE TABLE DEPARTMENTS (
    ID          INTEGER NOT NULL,
    NAME        VARCHAR(100) NOT NULL,
    PHONE       VARCHAR(64),
    IS_ACTIVE   SMALLINT DEFAULT 1 NOT NULL,
    CONSTRAINT PK_DEPARTMENTS PRIMARY KEY (ID),
    CONSTRAINT CHK_DEPARTMENTS_IS_ACTIVE CHECK (IS_ACTIVE IN (0, 1))
);

/* Employees: doctors, registrars, call-centre operators, administrators.
   SIP_EXTENSION / CHAT_LOGIN are unique when set; a Firebird UNIQUE
   constraint admits any number of NULLs. */
CREATE TABLE STAFF (
    ID              INTEGER NOT NULL,
    FULL_NAME       VARCHAR(150) NOT NULL,
    ROLE            VARCHAR(16) NOT NULL,
    SPECIALTY       VARCHAR(100),
    DEPARTMENT_ID   INTEGER,
    PHONE           VARCHAR(64),
    EMAIL           VARCHAR(100),
    MIS_LOGIN       VARCHAR(32),
    SIP_EXTENSION   VARCHAR(16),
    CHAT_LOGIN      VARCHAR(64),
    CHAT_PASSWORD   VARCHAR(128),
    PASSWORD_HASH   VARCHAR(200),
    IS_ACTIVE       SMALLINT DEFAULT 1 NOT NULL,
    CREATED_AT      TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    UPDATED_AT      TIMESTAMP,
    CONSTRAINT PK_STAFF PRIMARY KEY (ID),
    CONSTRAINT UQ_STAFF_MIS_LOGIN UNIQUE (MIS_LOGIN),
    CONSTRAINT UQ_STAFF_SIP_EXTENSION UNIQUE (SIP_EXTENSION),
    CONSTRAINT UQ_STAFF_CHAT_LOGIN UNIQUE (CHAT_LOGIN),
    CONSTRAINT FK_STAFF_DEPARTMENT FOREIGN KEY (DEPARTMENT_ID)
        REFERENCES DEPARTMENTS (ID) USING INDEX IDX_STAFF_DEPARTMENT_ID,
    CONSTRAINT CHK_STAFF_ROLE
        CHECK (ROLE IN ('admin', 'registrar', 'operator', 'doctor', 'nurse')),
    CONSTRAINT CHK_STAFF_IS_ACTIVE CHECK (IS_ACTIVE IN (0, 1))
);

/* Patient register. Phones are free text exactly as registrars typed
   them ("8 (912) 345-67-89", "+7912...", "345-67-89 ext. 12", ...).
   SEX: 'M' / 'F', NULL when unknown. SNILS as typed, usually
   'XXX-XXX-XXX XX'. Records are soft-deleted (IS_DELETED = 1). */
CREATE TABLE PATIENTS (
    ID                  INTEGER NOT NULL,
    CARD_NUMBER         VARCHAR(20),
    LAST_NAME           VARCHAR(60) NOT NULL,
    FIRST_NAME          VARCHAR(60),
    MIDDLE_NAME         VARCHAR(60),
    BIRTH_DATE          DATE,
    SEX                 CHAR(1),
    PHONE_MOBILE        VARCHAR(64),
    PHONE_HOME          VARCHAR(64),
    PHONE_WORK          VARCHAR(64),
    EMAIL               VARCHAR(100),
    SNILS               VARCHAR(14),
    ADDRESS             VARCHAR(255),
    CONSENT_SMS         SMALLINT DEFAULT 0 NOT NULL,
    CONSENT_MESSENGERS  SMALLINT DEFAULT 0 NOT NULL,
    NOTES               VARCHAR(1000),
    CREATED_AT          TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    UPDATED_AT          TIMESTAMP,
    IS_DELETED          SMALLINT DEFAULT 0 NOT NULL,
    CONSTRAINT PK_PATIENTS PRIMARY KEY (ID),
    CONSTRAINT UQ_PATIENTS_CARD_NUMBER UNIQUE (CARD_NUMBER),
    CONSTRAINT CHK_PATIENTS_SEX CHECK (SEX IS NULL OR SEX IN ('M', 'F')),
    CONSTRAINT CHK_PATIENTS_CONSENT_SMS CHECK (CONSENT_SMS IN (0, 1)),
    CONSTRAINT CHK_PATIENTS_CONSENT_MSG CHECK (CONSENT_MESSENGERS IN (0, 1)),
    CONSTRAINT CHK_PATIENTS_IS_DELETED CHECK (IS_DELETED IN (0, 1))
);

/* Price list. CODE follows the national medical services nomenclature
   (e.g. 'B01.047.001'); DURATION_MIN is the default slot length. */
CREATE TABLE SERVICES (
    ID              INTEGER NOT NULL,
    CODE            VARCHAR(20),
    NAME            VARCHAR(255) NOT NULL,
    DEPARTMENT_ID   INTEGER,
    PRICE           NUMERIC(12,2) DEFAULT 0 NOT NULL,
    DURATION_MIN    SMALLINT DEFAULT 30 NOT NULL,
    IS_ACTIVE       SMALLINT DEFAULT 1 NOT NULL,
    CONSTRAINT PK_SERVICES PRIMARY KEY (ID),
    CONSTRAINT UQ_SERVICES_CODE UNIQUE (CODE),
    CONSTRAINT FK_SERVICES_DEPARTMENT FOREIGN KEY (DEPARTMENT_ID)
        REFERENCES DEPARTMENTS (ID) USING INDEX IDX_SERVICES_DEPARTMENT_ID,
    CONSTRAINT CHK_SERVICES_PRICE CHECK (PRICE >= 0),
    CONSTRAINT CHK_SERVICES_DURATION CHECK (DURATION_MIN > 0),
    CONSTRAINT CHK_SERVICES_IS_ACTIVE CHECK (IS_ACTIVE IN (0, 1))
);

/* Registry appeals (obrashcheniya): every call, chat, e-mail or walk-in the
   registry handles. The MIS's own screens and reports read this table.
   PATIENT_ID is NULL while the contact is not identified; CONTACT_PHONE /
   CONTACT_NAME hold what the caller gave. RESULT values seen in practice:
   'booked', 'consultation', 'cancelled', 'no_result' (not constrained). */
CREATE TABLE APPEALS (
    ID              INTEGER NOT NULL,
    CREATED_AT      TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CHANNEL         VARCHAR(16) NOT NULL,
    DIRECTION       VARCHAR(8) DEFAULT 'in' NOT NULL,
    PATIENT_ID      INTEGER,
    OPERATOR_ID     INTEGER,
    CONTACT_PHONE   VARCHAR(64),
    CONTACT_NAME    VARCHAR(150),
    STATUS          VARCHAR(16) DEFAULT 'open' NOT NULL,
    RESULT          VARCHAR(32),
    CLOSED_AT       TIMESTAMP,
    COMMENT         VARCHAR(1000),
    UPDATED_AT      TIMESTAMP,
    CONSTRAINT PK_APPEALS PRIMARY KEY (ID),
    CONSTRAINT FK_APPEALS_PATIENT FOREIGN KEY (PATIENT_ID)
        REFERENCES PATIENTS (ID) USING INDEX IDX_APPEALS_PATIENT_ID,
    CONSTRAINT FK_APPEALS_OPERATOR FOREIGN KEY (OPERATOR_ID)
        REFERENCES STAFF (ID) USING INDEX IDX_APPEALS_OPERATOR_ID,
    CONSTRAINT CHK_APPEALS_CHANNEL CHECK (CHANNEL IN
        ('phone', 'whatsapp', 'telegram', 'vk', 'webchat', 'email', 'sms', 'visit')),
    CONSTRAINT CHK_APPEALS_DIRECTION CHECK (DIRECTION IN ('in', 'out')),
    CONSTRAINT CHK_APPEALS_STATUS CHECK (STATUS IN ('open', 'closed', 'cancelled'))
);

/* Appointments. CABINET is the room number as text. */
CREATE TABLE SCHEDULE (
    ID              INTEGER NOT NULL,
    PATIENT_ID      INTEGER NOT NULL,
    DOCTOR_ID       INTEGER NOT NULL,
    SERVICE_ID      INTEGER,
    START_AT        TIMESTAMP NOT NULL,
    END_AT          TIMESTAMP NOT NULL,
    STATUS          VARCHAR(16) DEFAULT 'booked' NOT NULL,
    APPEAL_ID       INTEGER,
    CABINET         VARCHAR(16),
    PRICE           NUMERIC(12,2),
    CREATED_BY      INTEGER,
    CREATED_AT      TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    UPDATED_AT      TIMESTAMP,
    CANCELLED_AT    TIMESTAMP,
    COMMENT         VARCHAR(1000),
    CONSTRAINT PK_SCHEDULE PRIMARY KEY (ID),
    CONSTRAINT FK_SCHEDULE_PATIENT FOREIGN KEY (PATIENT_ID)
        REFERENCES PATIENTS (ID) USING INDEX IDX_SCHEDULE_PATIENT_ID,
    CONSTRAINT FK_SCHEDULE_DOCTOR FOREIGN KEY (DOCTOR_ID)
        REFERENCES STAFF (ID) USING INDEX IDX_SCHEDULE_DOCTOR_ID,
    CONSTRAINT FK_SCHEDULE_SERVICE FOREIGN KEY (SERVICE_ID)
        REFERENCES SERVICES (ID) USING INDEX IDX_SCHEDULE_SERVICE_ID,
    CONSTRAINT FK_SCHEDULE_APPEAL FOREIGN KEY (APPEAL_ID)
        REFERENCES APPEALS (ID) USING INDEX IDX_SCHEDULE_APPEAL_ID,
    CONSTRAINT FK_SCHEDULE_CREATED_BY FOREIGN KEY (CREATED_BY)
        REFERENCES STAFF (ID) USING INDEX IDX_SCHEDULE_CREATED_BY,
    CONSTRAINT CHK_SCHEDULE_STATUS
        CHECK (STATUS IN ('booked', 'visited', 'cancelled', 'no_show')),
    CONSTRAINT CHK_SCHEDULE_PERIOD CHECK (END_AT > START_AT),
    CONSTRAINT CHK_SCHEDULE_PRICE CHECK (PRICE IS NULL OR PRICE >= 0)
);

/* ===================================================================== */
/* Indexes (foreign-key indexes are named in the constraints above)       */
/* ===================================================================== */

CREATE INDEX IDX_PATIENTS_LAST_NAME ON PATIENTS (LAST_NAME);
CREATE INDEX IDX_PATIENTS_LAST_NAME_UPPER ON PATIENTS COMPUTED BY (UPPER(LAST_NAME));
CREATE INDEX IDX_PATIENTS_BIRTH_DATE ON PATIENTS (BIRTH_DATE);
CREATE INDEX IDX_PATIENTS_SNILS ON PATIENTS (SNILS);

CREATE INDEX IDX_STAFF_ROLE ON STAFF (ROLE);

CREATE INDEX IDX_APPEALS_CREATED_AT ON APPEALS (CREATED_AT);
CREATE INDEX IDX_APPEALS_STATUS ON APPEALS (STATUS);

CREATE INDEX IDX_SCHEDULE_PATIENT_START ON SCHEDULE (PATIENT_ID, START_AT);
CREATE INDEX IDX_SCHEDULE_DOCTOR_START ON SCHEDULE (DOCTOR_ID, START_AT);
CREATE INDEX IDX_SCHEDULE_START_AT ON SCHEDULE (START_AT);

/* ===================================================================== */
/* Triggers: IDs from generators, audit timestamps                        */
/* BI: assign ID when NULL, default CREATED_AT, UPDATED_AT := CREATED_AT. */
/* BU: touch UPDATED_AT unless the statement set it explicitly.           */
/* ===================================================================== */

SET TERM ^ ;

CREATE TRIGGER DEPARTMENTS_BI FOR DEPARTMENTS
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = GEN_ID(GEN_DEPARTMENTS_ID, 1);
END^

CREATE TRIGGER STAFF_BI FOR STAFF
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = GEN_ID(GEN_STAFF_ID, 1);
    IF (NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = CURRENT_TIMESTAMP;
    IF (NEW.UPDATED_AT IS NULL) THEN
        NEW.UPDATED_AT = NEW.CREATED_AT;
END^

CREATE TRIGGER STAFF_BU FOR STAFF
ACTIVE BEFORE UPDATE POSITION 0
AS
BEGIN
    IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = CURRENT_TIMESTAMP;
END^

CREATE TRIGGER PATIENTS_BI FOR PATIENTS
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = GEN_ID(GEN_PATIENTS_ID, 1);
    IF (NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = CURRENT_TIMESTAMP;
    IF (NEW.UPDATED_AT IS NULL) THEN
        NEW.UPDATED_AT = NEW.CREATED_AT;
END^

CREATE TRIGGER PATIENTS_BU FOR PATIENTS
ACTIVE BEFORE UPDATE POSITION 0
AS
BEGIN
    IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = CURRENT_TIMESTAMP;
END^

CREATE TRIGGER SERVICES_BI FOR SERVICES
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = GEN_ID(GEN_SERVICES_ID, 1);
END^

CREATE TRIGGER APPEALS_BI FOR APPEALS
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = GEN_ID(GEN_APPEALS_ID, 1);
    IF (NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = CURRENT_TIMESTAMP;
    IF (NEW.UPDATED_AT IS NULL) THEN
        NEW.UPDATED_AT = NEW.CREATED_AT;
END^

CREATE TRIGGER APPEALS_BU FOR APPEALS
ACTIVE BEFORE UPDATE POSITION 0
AS
BEGIN
    IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = CURRENT_TIMESTAMP;
END^

CREATE TRIGGER SCHEDULE_BI FOR SCHEDULE
ACTIVE BEFORE INSERT POSITION 0
AS
BEGIN
    IF (NEW.ID IS NULL) THEN
        NEW.ID = GEN_ID(GEN_SCHEDULE_ID, 1);
    IF (NEW.CREATED_AT IS NULL) THEN
        NEW.CREATED_AT = CURRENT_TIMESTAMP;
    IF (NEW.UPDATED_AT IS NULL) THEN
        NEW.UPDATED_AT = NEW.CREATED_AT;
END^

CREATE TRIGGER SCHEDULE_BU FOR SCHEDULE
ACTIVE BEFORE UPDATE POSITION 0
AS
BEGIN
    IF (NEW.UPDATED_AT IS NOT DISTINCT FROM OLD.UPDATED_AT) THEN
        NEW.UPDATED_AT = CURRENT_TIMESTAMP;
END^

SET TERM ; ^

/* End of DDL: make every object visible before any DML touches it. */
COMMIT;

/* ===================================================================== */
/* Reference data (minimal; patients, appointments and appeals are       */
/* produced by the data generator, never by this script).                */
/* IDs come from the generators, so they start at 1.                     */
/* Cyrillic literals use the _UTF8 introducer -- see the header note.    */
/* ===================================================================== */

INSERT INTO DEPARTMENTS (NAME) VALUES (_UTF8 'Регистратура');
INSERT INTO DEPARTMENTS (NAME) VALUES (_UTF8 'Терапия');
INSERT INTO DEPARTMENTS (NAME) VALUES (_UTF8 'Стоматология');

INSERT INTO STAFF (FULL_NAME, ROLE, MIS_LOGIN, IS_ACTIVE)
    VALUES (_UTF8 'Администратор системы', 'admin', 'ADMIN', 1);

INSERT INTO SERVICES (CODE, NAME, DEPARTMENT_ID, PRICE, DURATION_MIN)
    VALUES ('B01.047.001', _UTF8 'Приём (осмотр, консультация) врача-терапевта первичный', 2, 1800.00, 30);
INSERT INTO SERVICES (CODE, NAME, DEPARTMENT_ID, PRICE, DURATION_MIN)
    VALUES ('B01.047.002', _UTF8 'Приём (осмотр, консультация) врача-терапевта повторный', 2, 1500.00, 20);
INSERT INTO SERVICES (CODE, NAME, DEPARTMENT_ID, PRICE, DURATION_MIN)
    VALUES ('B01.065.001', _UTF8 'Приём (осмотр, консультация) врача-стоматолога-терапевта первичный', 3, 1200.00, 30);
INSERT INTO SERVICES (CODE, NAME, DEPARTMENT_ID, PRICE, DURATION_MIN)
    VALUES ('A16.07.002', _UTF8 'Восстановление зуба пломбой', 3, 4500.00, 60);
INSERT INTO SERVICES (CODE, NAME, DEPARTMENT_ID, PRICE, DURATION_MIN)
    VALUES ('A05.10.006', _UTF8 'Регистрация электрокардиограммы', 2, 900.00, 15);

COMMIT;
