/* airwrite core: what audit.c and audit_verify.c share (not public). */
#ifndef AIRWRITE_CORE_AUDIT_INTERNAL_H
#define AIRWRITE_CORE_AUDIT_INTERNAL_H

#include "core/audit.h"

/* The columns of aw_audit_entry in the order audit_read_entry_row reads. */
#define AUDIT_ENTRY_COLUMNS                                                                   \
    "seq, time_ms, suite, actor_type, actor_id, actor_role, tenant, action, target,"          \
    " outcome, source_address, request_id, details, prev_hash, hash"

/* The current row (AUDIT_ENTRY_COLUMNS) into *entry. AW_ERR_AUDIT_FORMAT
 * for a NULL or mistyped column, a text over its bound or a hash not 32
 * bytes (*entry->seq set when the seq column itself was readable);
 * database errors as db.h. */
aw_err audit_read_entry_row(const db_rows *rows, audit_entry *entry);

#endif
