/* airwrite SM-DP+: the es9p_backend (es9p_session.h) of the daemon, over
 * the profile inventory and ES2+ orders (inventory.h, es2p.h) and the BPP
 * builder (personalise.h, bpp.h): SGP.22 3.1.3 steps 10 (order lookup),
 * 13 (Confirmation Code attempts), 17 (binding), 3.1.3 end (installation
 * result) and 3.5 (Cancel Session). */
#ifndef AIRWRITE_SMDP_BACKEND_H
#define AIRWRITE_SMDP_BACKEND_H

#include <stdint.h>

#include "core/db.h"
#include "smdp/es9p_session.h"
#include "smdp/inventory.h"

/* Wrong Confirmation Codes accepted before the order fails (SGP.22 5.6.2). */
#define SMDP_BACKEND_DEFAULT_CC_LIMIT 3

typedef struct smdp_backend {
    db_connection *db;                /* borrowed; used from the event loop thread only */
    const smdp_key_ring *key_ring;    /* borrowed: decrypts Ki/OPc at binding */
    const char *notification_address; /* FQDN put in the install notification config */
    int64_t confirmation_code_limit;  /* 0: SMDP_BACKEND_DEFAULT_CC_LIMIT */
} smdp_backend;

/* The es9p_backend whose callbacks run on backend (borrowed, must outlive it). */
es9p_backend smdp_backend_interface(smdp_backend *backend);

#endif
