/*
 * certs.h: CSRs and CAs for the unit tests, built with the library.
 * Problems are reported as TAP diagnostics and give NULL.
 */
#ifndef TESTS_CERTS_H
#define TESTS_CERTS_H

#include <time.h>

struct pki_csr;
struct pki_cert;
struct pki_key;

/* Parses CSR JSON text (source "t"). */
struct pki_csr	*test_csr(const char *json);
/*
 * A self-signed CA for the CSR JSON text json, signed at now (0: the
 * current time); *keyp receives its key.
 */
struct pki_cert	*test_ca(const char *json, time_t now, struct pki_key **keyp);

#endif
