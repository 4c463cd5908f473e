/*
 * owner.c: who a new private key belongs to and its mode.  An explicit
 * setting (-owner USER[:GROUP], -mode, the cluster description's owner,
 * group and key_mode) comes first; otherwise the old key's owner is kept
 * only when the writer found that the old pair matched and that no other
 * user could have planted the file; otherwise the key is the caller's,
 * 0600, and a note says what to pass.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "internal.h"

/* A number in [0, max] when s is all digits; -1 otherwise. */
static long long
owner_number(const char *s, long long max)
{
	long long	 v;
	char		*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	return v;
}

/* Whether the caller may give a file to group gid. */
static int
owner_group_allowed(gid_t gid)
{
	gid_t	groups[NGROUPS_MAX];
	int	n, i;

	if (geteuid() == 0 || gid == getegid())
		return 1;
	if ((n = getgroups(NGROUPS_MAX, groups)) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int
pki_owner_group_parse(struct pki_owner *o, const char *group,
    struct pki_error *err)
{
	struct group	*gr;
	long long	 v;

	if (group == NULL || *group == '\0')
		return pki_err(err, PKI_ERR_ARG, "empty group name");
	if ((gr = getgrnam(group)) != NULL)
		o->gid = gr->gr_gid;
	else if ((v = owner_number(group, INT_MAX)) >= 0)
		o->gid = (gid_t)v;
	else
		return pki_err(err, PKI_ERR_ARG, "\"%s\": no such group",
		    group);
	o->has_group = 1;
	return PKI_OK;
}

int
pki_owner_parse(struct pki_owner *o, const char *spec,
    struct pki_error *err)
{
	struct passwd	*pw;
	char		 user[256];
	const char	*colon;
	size_t		 n;
	long long	 v;

	if (spec == NULL)
		return pki_err(err, PKI_ERR_ARG, "no owner");
	colon = strchr(spec, ':');
	n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (n >= sizeof(user))
		return pki_err(err, PKI_ERR_ARG, "\"%s\": user name too long",
		    spec);
	memcpy(user, spec, n);
	user[n] = '\0';
	if (n == 0 && (colon == NULL || colon[1] == '\0'))
		return pki_err(err, PKI_ERR_ARG, "\"%s\": expected "
		    "USER[:GROUP]", spec);
	if (n > 0) {
		if ((pw = getpwnam(user)) != NULL) {
			o->uid = pw->pw_uid;
			o->gid = pw->pw_gid;
		} else if ((v = owner_number(user, INT_MAX)) >= 0)
			o->uid = o->gid = (uid_t)v;
		else
			return pki_err(err, PKI_ERR_ARG, "\"%s\": no such user",
			    user);
		o->has_user = 1;
		o->has_group = 1;
	}
	/* USER and USER: take the user's login group, as chown(1) does. */
	if (colon != NULL && colon[1] != '\0')
		return pki_owner_group_parse(o, colon + 1, err);
	return PKI_OK;
}

int
pki_owner_check(const struct pki_owner *o, const char *what,
    struct pki_error *err)
{
	if (o->has_user && geteuid() != 0 && o->uid != geteuid())
		return pki_err(err, PKI_ERR_ARG, "%s: only root can give a "
		    "key to another user (uid %lu)", what,
		    (unsigned long)o->uid);
	if (o->has_group && !owner_group_allowed(o->gid))
		return pki_err(err, PKI_ERR_ARG, "%s: only root or a member "
		    "of the group can give a key to it (gid %lu)", what,
		    (unsigned long)o->gid);
	return PKI_OK;
}

/* Puts the flag's name before err's text. */
static int
owner_flag_err(struct pki_error *err, const char *flag, int r)
{
	size_t	n = strlen(flag), size;

	if (err == NULL)
		return r;
	size = sizeof(err->text);
	memmove(err->text + n, err->text, size - n - 1);
	memcpy(err->text, flag, n);
	err->text[size - 1] = '\0';
	return r;
}

int
pki_owner_flags(struct pki_owner *o, const char *owner, const char *mode,
    struct pki_error *err)
{
	int	r;

	memset(o, 0, sizeof(*o));
	if (owner != NULL && ((r = pki_owner_parse(o, owner, err)) != PKI_OK ||
	    (r = pki_owner_check(o, owner, err)) != PKI_OK))
		return owner_flag_err(err, "-owner ", r);
	if (mode != NULL && (r = pki_owner_mode_parse(o, mode,
	    err)) != PKI_OK)
		return owner_flag_err(err, "-mode ", r);
	return PKI_OK;
}

int
pki_owner_mode_parse(struct pki_owner *o, const char *text,
    struct pki_error *err)
{
	unsigned long	 v;
	char		*end;

	if (text == NULL || *text < '0' || *text > '7')
		return pki_err(err, PKI_ERR_ARG, "\"%s\": expected an octal "
		    "mode such as 0600 or 0640", text == NULL ? "" : text);
	errno = 0;
	v = strtoul(text, &end, 8);
	if (errno != 0 || *end != '\0' || v > 07777)
		return pki_err(err, PKI_ERR_ARG, "\"%s\": expected an octal "
		    "mode such as 0600 or 0640", text);
	if ((v & ~(unsigned long)0640) != 0 || (v & 0400) == 0)
		return pki_err(err, PKI_ERR_ARG, "%s: a key mode would give "
		    "a dangerous result unless the owner can read it and "
		    "nothing but the owner's write and the group's read is "
		    "added (0400, 0440, 0600 or 0640)", text);
	o->key_mode = (mode_t)v;
	return PKI_OK;
}

int
pki_owner_set(const struct pki_owner *o)
{
	return o != NULL && (o->has_user || o->has_group || o->key_mode != 0);
}

void
pki_owner_merge(struct pki_owner *o, const struct pki_owner *dflt)
{
	if (dflt == NULL)
		return;
	if (!o->has_user && dflt->has_user) {
		o->uid = dflt->uid;
		o->has_user = 1;
		if (!o->has_group) {
			o->gid = dflt->gid;
			o->has_group = 1;
		}
	}
	if (!o->has_group && dflt->has_group) {
		o->gid = dflt->gid;
		o->has_group = 1;
	}
	if (o->key_mode == 0)
		o->key_mode = dflt->key_mode;
}

int
pki_owner_others_write(const struct stat *st, uid_t uid)
{
	return (st->st_uid != 0 && st->st_uid != geteuid() &&
	    st->st_uid != uid) || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

const struct stat *
pki_owner_key(const struct pki_owner *o, const struct stat *like,
    const char *why, const char *path, struct stat *own, mode_t *mode,
    char *note, size_t notelen)
{
	/* A user set explicitly takes nothing from the old key. */
	int	inherit = like != NULL && why == NULL &&
		    (o == NULL || !o->has_user);

	memset(own, 0, sizeof(*own));
	own->st_uid = inherit ? like->st_uid : geteuid();
	own->st_gid = inherit ? like->st_gid : getegid();
	/* Never writable by group, never anything for others. */
	*mode = inherit ? (like->st_mode & 0640) | 0600 : 0600;
	if (o != NULL) {
		if (o->has_user)
			own->st_uid = o->uid;
		if (o->has_group)
			own->st_gid = o->gid;
		if (o->key_mode != 0)
			*mode = o->key_mode;
	}
	if (note != NULL && notelen > 0)
		note[0] = '\0';
	if (like != NULL && !inherit && (o == NULL || !o->has_user) &&
	    (like->st_uid != geteuid() || like->st_gid != getegid() ||
	    (like->st_mode & 07777) != 0600) && note != NULL && notelen > 0)
		snprintf(note, notelen, "%s: the new key is not given to the "
		    "old key's owner and mode (uid %lu, gid %lu, %04o): %s; it "
		    "is owned by uid %lu, gid %lu, mode %04o: to choose, pass "
		    "-owner USER[:GROUP] and -mode (or set owner and group in "
		    "the cluster description)", path,
		    (unsigned long)like->st_uid, (unsigned long)like->st_gid,
		    (unsigned)(like->st_mode & 07777), why,
		    (unsigned long)own->st_uid, (unsigned long)own->st_gid,
		    (unsigned)*mode);
	return own;
}
