/* airwrite core: internals shared by the pki_*.c files (not a public API). */
#ifndef AIRWRITE_CORE_PKI_INTERNAL_H
#define AIRWRITE_CORE_PKI_INTERNAL_H

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/pki.h"

/* Largest certificate accepted. RSP certificates are well under 2 KB; the
 * cap bounds work on hostile input. */
#define AW_PKI_CERTIFICATE_MAX 16384u

struct pki_certificate {
    X509 *x509;
    uint8_t *der;        /* the exact bytes received */
    size_t der_len;
};

/* Certificate policies seen in one certificate. */
typedef struct pki_policy_list {
    size_t count;                         /* all policies */
    size_t rsp_count;                     /* policies under id-rspRole */
    bool has_role[AW_PKI_ROLE__COUNT];    /* id-rspRole-* of each known role */
} pki_policy_list;

/* AW_OK with an empty list when the extension is absent; AW_ERR_PKI_POLICY
 * when it is duplicated or undecodable. */
aw_err pki_policy_oids(const pki_certificate *cert, pki_policy_list *out);

#endif
