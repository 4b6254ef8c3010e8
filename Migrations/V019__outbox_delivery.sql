/*
 * V019 -- outbox_delivery: how an outbox message actually went out. A row
 * asks for a CHANNEL (messenger: the patient's messenger, else SMS); the
 * worker sends it into the patient's chat thread, as the messenger's
 * approved template to a patient without a thread (first contact), or by
 * SMS, and records which.
 *
 * Objects: columns MISLINK_OUTBOX.SENT_CHANNEL, SENT_VIA, FALLBACK_REASON.
 * Undo:    U019__outbox_delivery.sql
 * Needs:   V007.
 *
 * All three stay NULL on rows sent before this migration and on rows not
 * sent. FALLBACK_REASON holds why the template was not used when a
 * first-contact message was refused for good (template not approved,
 * phone not on the messenger) and went by SMS instead.
 */

ALTER TABLE MISLINK_OUTBOX ADD SENT_CHANNEL VARCHAR(16) CHARACTER SET ASCII;
ALTER TABLE MISLINK_OUTBOX ADD SENT_VIA VARCHAR(16) CHARACTER SET ASCII;
ALTER TABLE MISLINK_OUTBOX ADD FALLBACK_REASON VARCHAR(1000) CHARACTER SET UTF8;
ALTER TABLE MISLINK_OUTBOX ADD CONSTRAINT MISLINK_OUTBOX_SENT_VIA_CK
    CHECK (SENT_VIA IS NULL OR SENT_VIA IN ('thread', 'template', 'sms', 'pbx'));

COMMENT ON COLUMN MISLINK_OUTBOX.SENT_CHANNEL IS
'The channel the message went out on (whatsapp, telegram, ..., sms, pbx); NULL until sent.';
COMMENT ON COLUMN MISLINK_OUTBOX.SENT_VIA IS
'thread (into the patient''s chat thread), template (first contact: the messenger''s approved template to a patient without a thread), sms, pbx; NULL until sent.';
COMMENT ON COLUMN MISLINK_OUTBOX.FALLBACK_REASON IS
'Why a first-contact template was refused for good before the message went by SMS instead.';
