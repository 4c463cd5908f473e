/*
 * util.c: string vectors and small helpers shared by the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>

#include "internal.h"

int
pki_strv_push(struct pki_strv *sv, const char *s)
{
	char	**nv;
	char	 *dup;

	if ((dup = strdup(s)) == NULL)
		return PKI_ERR_ALLOC;
	nv = reallocarray(sv->v, sv->n + 1, sizeof(*nv));
	if (nv == NULL) {
		free(dup);
		return PKI_ERR_ALLOC;
	}
	nv[sv->n++] = dup;
	sv->v = nv;
	return PKI_OK;
}

void
pki_strv_clear(struct pki_strv *sv)
{
	size_t	i;

	if (sv == NULL)
		return;
	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

char *
pki_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

size_t
pki_edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	if ((row = calloc(lb + 1, sizeof(*row))) == NULL)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

void
pki_secret_free(void *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

void
pki_buf_addn(struct pki_buf *sb, const char *s, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (sb->oom)
		return;
	if (n > SIZE_MAX / 4 - sb->len) {
		sb->oom = 1;
		return;
	}
	if (sb->len + n + 1 > sb->cap) {
		ncap = sb->cap ? sb->cap : 64;
		while (ncap < sb->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(sb->b, ncap)) == NULL) {
			sb->oom = 1;
			return;
		}
		sb->b = nb;
		sb->cap = ncap;
	}
	memcpy(sb->b + sb->len, s, n);
	sb->len += n;
	sb->b[sb->len] = '\0';
}

void
pki_buf_add(struct pki_buf *sb, const char *s)
{
	pki_buf_addn(sb, s, strlen(s));
}

void
pki_buf_printf(struct pki_buf *sb, const char *fmt, ...)
{
	va_list	 ap;
	char	*s = NULL;
	int	 n;

	if (sb->oom)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = 1;
		return;
	}
	pki_buf_addn(sb, s, (size_t)n);
	free(s);
}

char *
pki_b64_encode(const void *data, size_t len)
{
	char	*out;

	if (len > (size_t)INT32_MAX / 2)
		return NULL;
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	/* EVP_EncodeBlock NUL-terminates and returns the length. */
	if (EVP_EncodeBlock((unsigned char *)out, data, (int)len) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int
b64_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
pki_b64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	unsigned char	*buf;
	size_t		 len = strlen(s), i, pad = 0;
	int		 n;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0 || len > INT_MAX)
		return PKI_ERR_INPUT;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (!b64_char((unsigned char)s[i]))
			return PKI_ERR_INPUT;
	/* One spare byte so that an empty value is not a NULL pointer. */
	if ((buf = malloc(len / 4 * 3 + 1)) == NULL)
		return PKI_ERR_ALLOC;
	if (len > 0) {
		n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
		if (n < 0 || (size_t)n < pad) {
			free(buf);
			return PKI_ERR_INPUT;
		}
		*outlen = (size_t)n - pad;
	}
	*out = buf;
	return PKI_OK;
}

int
pki_crypto_init(int read_config, struct pki_error *err)
{
	/*
	 * No clean-up at exit: it frees what the process is about to give
	 * back anyway (7% of a gencert's instructions).  With a file to
	 * read, OpenSSL reads it on first use, as always.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT | (read_config ? 0 :
	    OPENSSL_INIT_NO_LOAD_CONFIG), NULL) != 1)
		return pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "OPENSSL_init_crypto");
	return PKI_OK;
}

int
pki_asn1_time(const ASN1_TIME *a, time_t *t)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return -1;
	*t = timegm(&tm);
	return 0;
}

DIR *
pki_dir_open_at(int dfd, const char *name)
{
	DIR	*d;
	int	 fd, e;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		e = errno;
		(void)close(fd);
		errno = e;
	}
	return d;
}

char **
pki_env_new(const char *name, ...)
{
	va_list		 ap;
	const char	*n, *v;
	char		**env;
	size_t		 i = 0, cnt = 0;

	va_start(ap, name);
	for (n = name; n != NULL; n = va_arg(ap, const char *)) {
		(void)va_arg(ap, const char *);
		cnt++;
	}
	va_end(ap);
	if ((env = calloc(cnt + 1, sizeof(*env))) == NULL)
		return NULL;
	va_start(ap, name);
	for (n = name; n != NULL; n = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		if (asprintf(&env[i++], "%s=%s", n, v != NULL ? v : "") ==
		    -1) {
			env[i - 1] = NULL;
			va_end(ap);
			pki_env_free(env);
			return NULL;
		}
	}
	va_end(ap);
	return env;
}

void
pki_env_free(char **env)
{
	size_t	i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
