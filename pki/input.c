/*
 * input.c: reading a whole input (file, stdin, environment variable) into
 * memory with a size cap.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

/*
 * Grows *buf (which may hold a secret) to want bytes without
 * leaving copies behind: the old block is wiped before it is freed.
 */
static int
grow(char **buf, size_t *cap, size_t used, size_t want)
{
	char	*nb;

	if ((nb = malloc(want)) == NULL)
		return PKI_ERR_ALLOC;
	if (*buf != NULL) {
		memcpy(nb, *buf, used);
		OPENSSL_cleanse(*buf, *cap);
		free(*buf);
	}
	*buf = nb;
	*cap = want;
	return PKI_OK;
}

/*
 * Reports that name is larger than max bytes: "4 MiB" for the usual
 * whole-MiB cap, the byte count otherwise.
 */
static int
too_big(struct pki_error *err, const char *name, size_t max)
{
	if (max >= 1024 * 1024 && max % (1024 * 1024) == 0)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: larger than %zu MiB",
		    name, max / (1024 * 1024));
	return pki_err(err, PKI_ERR_TOO_BIG, "%s: larger than %zu bytes",
	    name, max);
}

/* Reads fd to its end; name is used in messages. */
static int
read_fd(int fd, const char *name, size_t max, char **out, size_t *outlen,
    struct pki_error *err)
{
	char	*buf = NULL;
	size_t	 cap = 0, len = 0, want;
	ssize_t	 n;
	int	 r = PKI_ERR_INTERNAL;

	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	for (;;) {
		/* Room for one byte past max (to detect it) and the NUL. */
		if (cap - len < 2) {
			want = cap == 0 ? 4096 : cap * 2;
			if (want > max + 2)
				want = max + 2;
			if (want <= len + 1)
				want = len + 2;
			if (grow(&buf, &cap, len, want) != 0) {
				r = pki_err(err, PKI_ERR_ALLOC,
				    "%s: out of memory", name);
				goto out;
			}
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			r = pki_err_sys(err, errno, "%s", name);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = too_big(err, name, max);
			goto out;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	len = 0;
	r = PKI_OK;
 out:
	pki_secret_free(buf, cap);
	return r;
}

/*
 * The descriptor path names among those the process was started with
 * (/dev/stdin, /dev/fd/N, /proc/self/fd/N: what "cfssl genkey /dev/stdin"
 * and bash's <(...) give), or -1.
 */
static int
own_fd(const char *path)
{
	static const char *const	 pre[] = { "/dev/fd/", "/proc/self/fd/" };
	const char			*p;
	size_t				 i;
	int				 n;

	if (strcmp(path, "/dev/stdin") == 0)
		return STDIN_FILENO;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		if (strncmp(path, pre[i], strlen(pre[i])) != 0)
			continue;
		p = path + strlen(pre[i]);
		for (n = 0; *p >= '0' && *p <= '9' && n < 100000; p++)
			n = n * 10 + (*p - '0');
		if (*p == '\0' && p > path + strlen(pre[i]) && n < 100000)
			return n;
	}
	return -1;
}

/*
 * Reads the regular file path.  It is opened without blocking (a FIFO
 * with no writer would otherwise hang the run, and the lock it holds, for
 * ever) and anything but a regular file is refused before it is read.
 * The one exception: a pipe the caller handed over as a descriptor
 * (own_fd), which has its writer, is read like standard input.
 */
static int
read_file(const char *path, size_t max, char **out, size_t *outlen,
    struct pki_error *err)
{
	struct stat	st;
	int		fd, r;

	pki_err_source(err, path);
	if ((fd = own_fd(path)) != -1 && fstat(fd, &st) == 0 &&
	    S_ISFIFO(st.st_mode))
		return read_fd(fd, path, max, out, outlen, err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1)
		return pki_err_sys(err, errno, "%s", path);
	if (fstat(fd, &st) == -1)
		r = pki_err_sys(err, errno, "%s", path);
	else if (!S_ISREG(st.st_mode))
		r = pki_err_not_regular(err, path, st.st_mode);
	else
		r = read_fd(fd, path, max, out, outlen, err);
	close(fd);
	return r;
}

int
pki_input_read(const char *spec, int allow_prefix, size_t max, char **buf,
    size_t *len, struct pki_error *err)
{
	struct stat	 st;
	const char	*colon, *val;
	size_t		 vlen;

	*buf = NULL;
	*len = 0;
	if (spec == NULL || *spec == '\0')
		return pki_err(err, PKI_ERR_ARG, "empty input name");
	if (strcmp(spec, "-") == 0) {
		pki_err_source(err, "<stdin>");
		return read_fd(STDIN_FILENO, "<stdin>", max, buf, len, err);
	}
	if (!allow_prefix || (colon = strchr(spec, ':')) == NULL)
		return read_file(spec, max, buf, len, err);
	if (strncmp(spec, "file:", 5) == 0) {
		if (spec[5] == '\0')
			return pki_err(err, PKI_ERR_ARG, "%s: empty file name",
			    spec);
		return read_file(spec + 5, max, buf, len, err);
	}
	if (strncmp(spec, "env:", 4) == 0) {
		pki_err_source(err, spec);
		if ((val = getenv(spec + 4)) == NULL)
			return pki_err(err, PKI_ERR_INPUT,
			    "%s: environment variable not set", spec);
		if ((vlen = strlen(val)) > max)
			return too_big(err, spec, max);
		if ((*buf = malloc(vlen + 1)) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "%s: out of memory",
			    spec);
		memcpy(*buf, val, vlen + 1);
		*len = vlen;
		return PKI_OK;
	}
	/* "C:x" and the like: a file that happens to contain a colon. */
	if (stat(spec, &st) == 0)
		return read_file(spec, max, buf, len, err);
	pki_err_source(err, spec);
	return pki_err(err, PKI_ERR_INPUT, "unknown prefix: %.*s",
	    (int)(colon - spec), spec);
}

/* The cap of a password, as cfssl's env:/file: values go. */
#define PASSWORD_MAX	4096

int
pki_ca_password(const char *spec, char **pw, size_t *len, const char **from,
    struct pki_error *err)
{
	struct pki_error	 e;
	const char		*env, *dir;
	char			*cred = NULL;
	int			 r;

	*pw = NULL;
	*len = 0;
	*from = NULL;
	memset(&e, 0, sizeof(e));
	if (spec != NULL) {
		if (strncmp(spec, "env:", 4) != 0 &&
		    strncmp(spec, "file:", 5) != 0)
			return pki_err(err, PKI_ERR_ARG, "-ca-key-password: "
			    "expected env:VAR or file:PATH (a password on the "
			    "command line would be visible to other users)");
		*from = "-ca-key-password";
		if ((r = pki_input_read(spec, 1, PASSWORD_MAX, pw, len,
		    &e)) != PKI_OK)
			return pki_err(err, r, "-ca-key-password: %s", e.text);
	} else if ((env = getenv("CFSSL_CA_PK_PASSWORD")) != NULL) {
		*from = "CFSSL_CA_PK_PASSWORD";
		if ((*len = strlen(env)) > PASSWORD_MAX)
			return pki_err(err, PKI_ERR_TOO_BIG, "%s: longer than "
			    "%d bytes", *from, PASSWORD_MAX);
		if ((*pw = strdup(env)) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		return PKI_OK;
	} else if ((dir = getenv("CREDENTIALS_DIRECTORY")) != NULL &&
	    *dir == '/') {
		if (asprintf(&cred, "%s/%s", dir, PKI_CA_PASSWORD_CRED) == -1)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		r = pki_input_read(cred, 0, PASSWORD_MAX, pw, len, &e);
		free(cred);
		if (r == PKI_ERR_IO && e.sys_errno == ENOENT)
			return PKI_OK;
		*from = "systemd credential " PKI_CA_PASSWORD_CRED;
		if (r != PKI_OK)
			return pki_err(err, r, "%s", e.text);
	} else
		return PKI_OK;
	/* A password file usually ends with a newline. */
	while (*len > 0 && ((*pw)[*len - 1] == '\n' || (*pw)[*len - 1] == '\r'))
		(*pw)[--*len] = '\0';
	return PKI_OK;
}
