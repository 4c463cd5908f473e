/*
 * rotate.h: what "ca rotate" and "ca status" share: the rotation state of
 * -cluster DESC DIR, read by the library (struct pki_rotation).
 */
#ifndef ROTATE_H
#define ROTATE_H

struct opts;
struct pki_cluster;
struct pki_notify;
struct pki_parse_opts;
struct pki_rotation;

/*
 * -timeout, -cluster DESC and DIR, then the rotation state (lock: the
 * locks ca rotate takes; po: the strictness policy of what it signs,
 * borrowed for *ro's life, or NULL).  Returns CMD_RETURN_NORMAL with *cl
 * and *ro (the caller frees both), or the exit status after printing why.
 */
int	rotate_open(const struct opts *o, int lock, const struct pki_notify *nt,
	    const struct pki_parse_opts *po, struct pki_cluster **cl,
	    struct pki_rotation **ro);

#endif
