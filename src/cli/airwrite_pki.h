/* airwrite-pki: the parts of the tool kept in their own files. */
#ifndef AIRWRITE_CLI_AIRWRITE_PKI_H
#define AIRWRITE_CLI_AIRWRITE_PKI_H

#include <sys/types.h>

#include <openssl/x509.h>

/* Write cert (PEM) or, cert NULL, key (PKCS#8 PEM) to DIR/name with mode
 * (set also on an existing file). 0, or 1 after a message on stderr. */
int pki_cli_write_pem(const char *dir, const char *name, mode_t mode, X509 *cert, EVP_PKEY *key);

/* airwrite-pki device-ca / device (airwrite_pki_device.c): argc/argv after
 * the command name; the exit status (0, 1 failure, 2 usage). */
int pki_cli_device_ca(int argc, char **argv);
int pki_cli_device(int argc, char **argv);

#endif
