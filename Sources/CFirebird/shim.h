// Thin shim over the Firebird client library (libfbclient, legacy `ibase.h` API).
// Only what Swift cannot reach directly lives here: a transaction-existence block for the
// non-variadic isc_start_multiple, the variadic isc_event_block, the XSQLDA_LENGTH macro, and indexed
// access into the XSQLDA's trailing array. Everything else is called from Swift as declared in ibase.h.
#ifndef MISLINK_CFIREBIRD_SHIM_H
#define MISLINK_CFIREBIRD_SHIM_H

#include <ibase.h>
#include <stddef.h>

/// One entry of the transaction existence block that isc_start_multiple reads
/// (the layout of `TEB` in Firebird's why.cpp; isc_start_transaction is variadic and cannot be called from Swift).
typedef struct mislink_fb_teb {
    isc_db_handle *_Nonnull database;
    int tpb_length;
    const char *_Nullable tpb;
} mislink_fb_teb;

/// Wraps isc_start_multiple for one attachment: starts `*transaction` on `*database` with the given TPB.
static inline ISC_STATUS mislink_fb_start_transaction(ISC_STATUS *_Nonnull status,
                                                      isc_tr_handle *_Nonnull transaction,
                                                      isc_db_handle *_Nonnull database,
                                                      const char *_Nullable tpb,
                                                      int tpb_length) {
    mislink_fb_teb teb = { database, tpb_length, tpb };
    return isc_start_multiple(status, transaction, 1, &teb);
}

/// XSQLDA_LENGTH(n) as a function: the bytes an XSQLDA with `count` variables needs.
static inline size_t mislink_fb_xsqlda_length(short count) {
    return XSQLDA_LENGTH(count < 1 ? 1 : count);
}

/// &sqlda->sqlvar[index]: the trailing array is declared with one element, so Swift cannot index past it.
static inline XSQLVAR *_Nonnull mislink_fb_sqlvar(XSQLDA *_Nonnull sqlda, int index) {
    return &sqlda->sqlvar[index];
}

/// Wraps the variadic isc_event_block for up to 15 event names (isc_event_block_a is not exported
/// by every libfbclient build). Returns the length of the two buffers it allocates (free with isc_free).
static inline ISC_LONG mislink_fb_event_block(ISC_UCHAR *_Nullable *_Nonnull event_buffer,
                                              ISC_UCHAR *_Nullable *_Nonnull result_buffer,
                                              unsigned short count,
                                              const char *_Nonnull const *_Nonnull names) {
    const char *n[15];
    for (int i = 0; i < 15; i++) n[i] = i < count ? names[i] : "";
    return isc_event_block(event_buffer, result_buffer, count > 15 ? 15 : count,
                           n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10], n[11], n[12], n[13], n[14]);
}

#endif
