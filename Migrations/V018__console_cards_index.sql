/*
 * V018 -- console_cards_index: the operator console's card hub reads the
 * open incoming-call cards (on an operator's screen: CLOSED_AT empty, shown
 * or answered here, the call not ended) on every MISLINK_CARD event and
 * every few seconds. CLOSED_AT is set on every card once its leg or call
 * ends (or the operator dismisses it), so the empty ones are the few open
 * cards, and an index on CLOSED_AT finds them without reading the whole
 * table, which keeps every card ever shown (the existing index is on
 * STAFF_ID, STATE: answered cards stay answered_here after they close).
 *
 * Objects: index MISLINK_CALL_CARDS_CLOSED_IX.
 * Undo:    U018__console_cards_index.sql
 * Needs:   V004.
 */

CREATE INDEX MISLINK_CALL_CARDS_CLOSED_IX ON MISLINK_CALL_CARDS (CLOSED_AT);
