/*
 * dl.c: optional shared libraries, loaded on first use (see dl.h).
 *
 * Each struct pki_dl is a static of the file that uses the library:
 * process-wide state written once, under its own mutex, like the
 * pthread_once state of curl_global_init.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "dl.h"

/* Opens the library and fills the table; on failure why says why. */
static int
dl_open(struct pki_dl *dl)
{
	void		*h, *p;
	const char	*e;
	size_t		 i;

	(void)dlerror();
	if ((h = dlopen(dl->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(dl->why, sizeof(dl->why), "%s",
		    e != NULL ? e : "dlopen failed");
		return -1;
	}
	for (i = 0; i < dl->nsyms; i++) {
		(void)dlerror();
		if ((p = dlsym(h, dl->syms[i].name)) == NULL) {
			e = dlerror();
			snprintf(dl->why, sizeof(dl->why), "%s",
			    e != NULL ? e : "undefined symbol");
			dlclose(h);
			return -1;
		}
		/* POSIX: a function pointer has the representation of p. */
		memcpy((char *)dl->table + dl->syms[i].off, &p, sizeof(p));
	}
	/* The handle is never closed: the entry points stay valid. */
	return 0;
}

int
pki_dl_load(struct pki_dl *dl, struct pki_error *err)
{
	int	state;

	if (pthread_mutex_lock(&dl->lock) != 0)
		return pki_err(err, PKI_ERR_INTERNAL, "%s: cannot lock",
		    dl->soname);
	if (dl->state == 0)
		dl->state = dl_open(dl) == 0 ? 1 : -1;
	state = dl->state;
	(void)pthread_mutex_unlock(&dl->lock);
	if (state > 0)
		return 0;
	return pki_err(err, PKI_ERR_UNAVAILABLE, "cannot load %s, needed for "
	    "%s (Debian package %s): %s", dl->soname, dl->needed_for,
	    dl->package, dl->why);
}
