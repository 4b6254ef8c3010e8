/* Demo data for the polyclinic fixture (schema.sql). Names in Russian, sent over UTF8. */
INSERT INTO PACIENT (ID, NAME, BIRTHDAY, SMS_OK, CHAT_OK) VALUES (1, 'Смирнова Ольга Петровна', '1980-03-14', 1, 1);
INSERT INTO PACIENT (ID, NAME, BIRTHDAY, SMS_OK, CHAT_OK) VALUES (2, 'Смирнов Игорь Петрович', '2010-07-01', 0, 0);
INSERT INTO PACIENT (ID, NAME, BIRTHDAY, SMS_OK, CHAT_OK) VALUES (3, 'Кузнецов Павел Андреевич', '1965-11-30', 1, 0);

/* Ольга and her son Игорь share the mobile +7 916 123-45-67 (the emulator's caller in inbound-answered) (his is written as the home phone). */
INSERT INTO PHONES (ID, PACIENT_ID, KIND, NUM) VALUES (1, 1, 'M', '+7 (916) 123-45-67');
INSERT INTO PHONES (ID, PACIENT_ID, KIND, NUM) VALUES (2, 2, 'H', '8 916 123 45 67');
INSERT INTO PHONES (ID, PACIENT_ID, KIND, NUM) VALUES (3, 3, 'M', '89165550303');

INSERT INTO DOCTORS (ID, FIO, IS_DOCTOR, ROOM) VALUES (10, 'Орлова Анна Викторовна', 0, NULL);
INSERT INTO DOCTORS (ID, FIO, IS_DOCTOR, ROOM) VALUES (11, 'Белов Денис Олегович', 0, NULL);
INSERT INTO DOCTORS (ID, FIO, IS_DOCTOR, ROOM) VALUES (20, 'Терапевтов Сергей Ильич', 1, '205');

INSERT INTO USERS (ID, DOCTOR_ID, LOGIN, PBX_EXT, CHAT_LOGIN) VALUES (1, 10, 'orlova', '101', 'orlova@chat');
INSERT INTO USERS (ID, DOCTOR_ID, LOGIN, PBX_EXT, CHAT_LOGIN) VALUES (2, 11, 'belov', '102', 'belov@chat');
INSERT INTO USERS (ID, DOCTOR_ID, LOGIN, PBX_EXT, CHAT_LOGIN) VALUES (3, 20, 'terapevtov', NULL, NULL);

INSERT INTO SERVICES (ID, TITLE, MINUTES) VALUES (1, 'Приём терапевта', 30);

INSERT INTO VISITS (PACIENT_ID, DOCTOR_ID, SERVICE_ID, STARTS, DURATION, STATE)
VALUES (1, 20, 1, '2026-11-20 10:00:00', 30, 'D');
COMMIT;
