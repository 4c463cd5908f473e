/*
 * dl.h: optional shared libraries, loaded on first use.  Private to pki/.
 *
 * A library only some commands need (libcurl for remote signing and
 * etcd, libssl for reading a server's certificate, libyaml for etcd
 * configuration files, libsqlite3 for a cluster's inventory) is not
 * linked: the program would load it, and
 * everything it depends on, at every start.  Its user describes it in
 * a struct pki_dl (a static of the user's .c file) with a table of the
 * entry points it calls, and calls pki_dl_load() before the first call
 * through the table.
 *
 * Example (as curlutil.c does it):
 *
 *	struct curl_fns { CURL *(*easy_init)(void); ... };
 *	static struct curl_fns fns;
 *	static const struct pki_dl_sym syms[] = {
 *		PKI_DL_SYM(struct curl_fns, easy_init, "curl_easy_init"), ...
 *	};
 *	static struct pki_dl lib = PKI_DL_INIT(PKI_SONAME_CURL,
 *	    "remote signing and etcd access", "libcurl4", syms, &fns);
 *	PKI_DL_CHECK(fns, easy_init, curl_easy_init);
 *	...
 *	if ((r = pki_dl_load(&lib, err)) != 0)
 *		return r;
 *	h = fns.easy_init();
 */
#ifndef PKI_DL_H
#define PKI_DL_H

#include <pthread.h>
#include <stddef.h>

#include "pki.h"

/* One entry point: its name and where its address goes in the table. */
struct pki_dl_sym {
	const char	*name;
	size_t		 off;
};

/* The symbol NAME into member FIELD of the function table type TYPE. */
#define PKI_DL_SYM(type, field, name)	{ (name), offsetof(type, field) }

/*
 * One optional library.  Initialise it with PKI_DL_INIT; the rest is the
 * loader's.  The library stays loaded until the process exits.
 */
struct pki_dl {
	const char		*soname;	/* "libcurl.so.4" */
	const char		*needed_for;	/* "remote signing" */
	const char		*package;	/* Debian's: "libcurl4" */
	const struct pki_dl_sym	*syms;
	size_t			 nsyms;
	void			*table;		/* struct of function pointers */
	pthread_mutex_t		 lock;
	int			 state;		/* 0 untried, 1 loaded, -1 failed */
	char			 why[384];	/* the failure */
};

#define PKI_DL_INIT(soname, needed_for, package, syms, table)		\
	{ (soname), (needed_for), (package), (syms),			\
	    sizeof(syms) / sizeof((syms)[0]), (table),			\
	    PTHREAD_MUTEX_INITIALIZER, 0, "" }

/*
 * Does not compile unless member field of the table table has the type of
 * a pointer to fn, as fn's header declares it: the entry points are
 * called through the table, so their types are checked here.
 */
#define PKI_DL_CHECK(table, field, fn)					\
	_Static_assert(__builtin_types_compatible_p(__typeof__(&fn),	\
	    __typeof__((table).field)), #fn ": not the type of its header")

/*
 * Loads dl's library and fills its table, once per process; thread-safe.
 * Returns 0, or PKI_ERR_UNAVAILABLE with err saying which library could
 * not be loaded (or which entry point it lacks), what needs it and which
 * package provides it.  A failure is remembered: later calls fail the
 * same way without trying again.
 */
int	pki_dl_load(struct pki_dl *dl, struct pki_error *err) PKI_MUST_CHECK;

#endif /* PKI_DL_H */
