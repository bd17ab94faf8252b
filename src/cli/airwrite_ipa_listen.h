/* airwrite-ipa: the listen command (SGP.32 3.1.1.2 eIM Package Injection,
 * 6.3.2.8 ESipa.TransferEimPackage: the eIM pushes, the IPA answers), split
 * from airwrite_ipa.c by concern. */
#ifndef AIRWRITE_CLI_IPA_LISTEN_H
#define AIRWRITE_CLI_IPA_LISTEN_H

#include "core/error.h"
#include "ipa/ipa.h"

typedef struct listen_options {
    const char *at;           /* "ADDRESS:PORT" (NULL: 127.0.0.1:4430) */
    const char *certificate;  /* --cert: the IPA's TLS certificate chain (PEM) */
    const char *key;          /* --key: its private key (PEM) */
    const char *client_ca;    /* --ca: the eIM's TLS certificates chain to it */
} listen_options;

/* Serve TransferEimPackage requests for poller's eUICC until SIGINT or
 * SIGTERM, one line per request or trigger on stdout. AW_ERR_ARGUMENT for
 * a malformed ADDRESS:PORT (message printed); ipa_listener_new's errors. */
aw_err listen_run(ipa_poller *poller, const listen_options *options);

#endif
