/* airwrite eUICC: the software eUICC's one public interface.
 *
 * An euicc is an ISD-R (SGP.22 2.2.1) with its identity (EID, SK.EUICC.ECDSA,
 * CERT.EUICC/EUM, trusted CI), its persistent state (state.h: profiles,
 * notifications, addresses) and the card's APDU layer (card.h) in front:
 * a terminal talks to it with APDUs through euicc_transmit, and ES10
 * commands reach the ES10a/b/c functions of SGP.22 5.6/5.7.
 *
 * Not thread-safe: one euicc serves one terminal. */
#ifndef AIRWRITE_EUICC_EUICC_H
#define AIRWRITE_EUICC_EUICC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/error.h"
#include "euicc/card.h"

typedef struct euicc_identity euicc_identity;
typedef struct euicc euicc;

/* Where the identity comes from: the directory airwrite-pki init writes
 * (euicc.pem, euicc.key.pem, eum.pem, ci.pem), or explicit files (PEM or
 * DER certificates, a PEM private key), each overriding the directory's. */
typedef struct euicc_identity_paths {
    const char *directory;         /* NULL: all four files must be given */
    const char *euicc_certificate; /* CERT.EUICC.ECDSA */
    const char *euicc_key;         /* SK.EUICC.ECDSA */
    const char *eum_certificate;   /* CERT.EUM.ECDSA */
    const char *ci_certificate;    /* CERT.CI.ECDSA: the CI the eUICC trusts */
} euicc_identity_paths;

/* Load and check an identity: the CI -> EUM -> eUICC chain verified at now
 * (pki_verify_euicc_chain), the private key matching CERT.EUICC, the EID
 * taken from CERT.EUICC, the CI's SKI as PKID for verification and signing
 * (SGP.22 4.5.2.1.0.1). Errors: AW_ERR_ARGUMENT (a file not named),
 * AW_ERR_NOT_FOUND / AW_ERR_IO (unreadable), AW_ERR_PKI_* (chain),
 * AW_ERR_CRYPTO_KEY (key unreadable or not the certificate's). */
aw_err euicc_identity_load(const euicc_identity_paths *paths, time_t now, euicc_identity **out);
void euicc_identity_free(euicc_identity *identity);

typedef struct euicc_options {
    euicc_protocol protocol;      /* T=0 or T=1 */
    const char *root_ds_address;  /* initial root SM-DS address; NULL: EUICC_DEFAULT_ROOT_DS */
} euicc_options;

/* The GSMA root SM-DS (SGP.22 3.4 / SGP.21) a fresh eUICC is configured with. */
#define EUICC_DEFAULT_ROOT_DS "lpa.ds.gsma.com"

/* Open an eUICC: identity as above (checked at now), state in state_dir
 * (created on first start). Errors of euicc_identity_load and
 * euicc_state_open (state.h: AW_ERR_EUICC_STATE_CORRUPT, ..._VERSION,
 * AW_ERR_EUICC_STORAGE_KEY). */
aw_err euicc_open(const euicc_identity_paths *identity, const char *state_dir,
                  const euicc_options *options, time_t now, euicc **out);
void euicc_close(euicc *card);

/* Process one command APDU (ISO/IEC 7816-4); resp gets data and SW1 SW2
 * (capacity at least EUICC_CARD_RESPONSE_MAX). Returns the status word.
 * The download engine's certificate checks use the wall clock. */
enum euicc_sw euicc_transmit(euicc *card, const uint8_t *command, size_t len, uint8_t *resp,
                             size_t resp_cap, size_t *resp_len);

/* Card reset (power cycle): channels closed, download session forgotten. */
void euicc_reset(euicc *card);

/* The ATR (passthrough to card.h). */
const uint8_t *euicc_card_atr(size_t *len);

/* The APDU layer, for a transport that drives it directly (vpcd.h). */
euicc_card *euicc_get_card(euicc *card);

/* The profile count limit (issue 8 "Profile count limit"): the most profiles the card
 * takes, kept with its state (state.der) across restarts; 0 sets none (the card's
 * capacity, EUICC_MAX_PROFILES of isdr.h). A download beyond it fails with the
 * ProfileInstallationResult errorReason installFailedDueToInsufficientMemoryForProfile at
 * StoreMetadata (SGP.22 5.7.6), and EUICCInfo2's extCardResource reports the free memory the
 * limit leaves. Profiles already installed stay. AW_ERR_ARGUMENT above the capacity; the
 * errors of the state commit (the limit is then unchanged). */
aw_err euicc_set_profile_limit(euicc *card, size_t limit);
/* The limit set, 0 when none. */
size_t euicc_get_profile_limit(const euicc *card);
/* The card's capacity: the most profiles it can hold, the largest limit. */
size_t euicc_profile_capacity(void);

/* Human-readable state: EID, addresses, each profile (ICCID, ISD-P AID,
 * state, nickname, IMSI read from its package) and each pending
 * notification. Never prints Ki, OPc or any key. */
aw_err euicc_dump(const euicc *card, FILE *out);

/* Dump a state directory without an identity (airwrite-euicc dump). Never
 * writes: AW_ERR_NOT_FOUND for a directory holding no state (neither
 * storage.key nor state.der). */
aw_err euicc_dump_state(const char *state_dir, FILE *out);

#endif
