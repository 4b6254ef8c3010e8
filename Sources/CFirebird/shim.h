// Thin shim over the Firebird client library (libfbclient, legacy `ibase.h` API).
// Only what Swift cannot reach directly lives here: a transaction-existence block for the
// non-variadic isc_start_multiple, the XSQLDA_LENGTH macro, and indexed access into the
// XSQLDA's trailing array. Everything else is called from Swift as declared in ibase.h.
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

#endif
