/*
 * cfssljson.c: the input side of cfssljson -- which strings of cfssl's
 * JSON output become which files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <jansson.h>

#include "internal.h"
#include "caps.h"

struct pki_cfssljson {
	char	*item[PKI_CJ__COUNT];
	size_t	 len[PKI_CJ__COUNT];
	char	**errors;
	int	 nerrors;
};

static const struct {
	const char	*suffix;
	mode_t		 mode;
} cj_files[PKI_CJ__COUNT] = {
	[PKI_CJ_CERT] = { ".pem", 0644 },
	[PKI_CJ_KEY] = { "-key.pem", 0600 },
	[PKI_CJ_ENC_KEY] = { "-key.enc", 0600 },
	[PKI_CJ_CSR] = { ".csr", 0644 },
	[PKI_CJ_BUNDLE] = { "-bundle.pem", 0644 },
	[PKI_CJ_ROOT] = { "-root.pem", 0644 },
	[PKI_CJ_OCSP] = { "-response.der", 0644 },
};

const char *
pki_cfssljson_suffix(int i)
{
	return i >= 0 && i < PKI_CJ__COUNT ? cj_files[i].suffix : NULL;
}

mode_t
pki_cfssljson_mode(int i)
{
	return i >= 0 && i < PKI_CJ__COUNT ? cj_files[i].mode : 0600;
}

const char *
pki_cfssljson_item(const struct pki_cfssljson *cj, int i, size_t *len)
{
	if (i < 0 || i >= PKI_CJ__COUNT || cj->item[i] == NULL) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = cj->len[i];
	return cj->item[i];
}

int
pki_cfssljson_failed(const struct pki_cfssljson *cj)
{
	return cj->nerrors;
}

const char *
pki_cfssljson_error(const struct pki_cfssljson *cj, int i)
{
	return i >= 0 && i < cj->nerrors ? cj->errors[i] : NULL;
}

void
pki_cfssljson_free(struct pki_cfssljson *cj)
{
	int	i;

	if (cj == NULL)
		return;
	for (i = 0; i < PKI_CJ__COUNT; i++)
		pki_secret_free(cj->item[i], cj->len[i]);
	for (i = 0; i < cj->nerrors; i++)
		free(cj->errors[i]);
	free(cj->errors);
	free(cj);
}

/*
 * Copies the string member "name" of obj into item i unless i is already
 * set.  Absent and "" are skipped; another type is an error.
 */
static int
cj_take(struct pki_cfssljson *cj, int i, json_t *obj, const char *name,
    const char *path, struct pki_error *err)
{
	json_t	*v;
	size_t	 len;

	if (cj->item[i] != NULL || (v = json_object_get(obj, name)) == NULL)
		return PKI_OK;
	if (!json_is_string(v))
		return pki_err(err, PKI_ERR_INPUT, "%s%s: expected a string",
		    path, name);
	if ((len = json_string_length(v)) == 0)
		return PKI_OK;
	if ((cj->item[i] = malloc(len + 1)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	memcpy(cj->item[i], json_string_value(v), len + 1);
	cj->len[i] = len;
	return PKI_OK;
}

/* Concatenates bundle + "\n" + root as cfssljson writes BASE-bundle.pem. */
static int
cj_bundle(struct pki_cfssljson *cj, json_t *b, struct pki_error *err)
{
	char	*joined;
	size_t	 blen, rlen;
	int	 r;

	if ((r = cj_take(cj, PKI_CJ_BUNDLE, b, "bundle", "bundle.", err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_ROOT, b, "root", "bundle.", err)) != 0)
		return r;
	if (cj->item[PKI_CJ_BUNDLE] == NULL || cj->item[PKI_CJ_ROOT] == NULL)
		return PKI_OK;
	blen = cj->len[PKI_CJ_BUNDLE];
	rlen = cj->len[PKI_CJ_ROOT];
	if ((joined = malloc(blen + 1 + rlen + 1)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	memcpy(joined, cj->item[PKI_CJ_BUNDLE], blen);
	joined[blen] = '\n';
	memcpy(joined + blen + 1, cj->item[PKI_CJ_ROOT], rlen + 1);
	free(cj->item[PKI_CJ_BUNDLE]);
	cj->item[PKI_CJ_BUNDLE] = joined;
	cj->len[PKI_CJ_BUNDLE] = blen + 1 + rlen;
	return PKI_OK;
}

static int
cj_ocsp(struct pki_cfssljson *cj, json_t *res, struct pki_error *err)
{
	unsigned char	*der = NULL;
	const char	*b64;
	json_t		*v;
	size_t		 len;
	int		 n;

	if ((v = json_object_get(res, "ocspResponse")) == NULL)
		return PKI_OK;
	if (!json_is_string(v))
		return pki_err(err, PKI_ERR_INPUT,
		    "ocspResponse: expected a string");
	b64 = json_string_value(v);
	if ((len = json_string_length(v)) == 0)
		return PKI_OK;
	if (len % 4 != 0 || len > INT32_MAX)
		return pki_err(err, PKI_ERR_INPUT,
		    "ocspResponse: invalid base64");
	if ((der = malloc(len / 4 * 3 + 1)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((n = EVP_DecodeBlock(der, (const unsigned char *)b64,
	    (int)len)) < 0) {
		free(der);
		return pki_err_ssl(err, PKI_ERR_INPUT,
		    "ocspResponse: invalid base64");
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (len >= 1 && b64[len - 1] == '=')
		n--;
	if (len >= 2 && b64[len - 2] == '=')
		n--;
	cj->item[PKI_CJ_OCSP] = (char *)der;
	cj->len[PKI_CJ_OCSP] = (size_t)n;
	return PKI_OK;
}

static int
cj_envelope(struct pki_cfssljson *cj, json_t *root, json_t **res,
    struct pki_error *err)
{
	json_t		*ok, *errs, *e, *msg;
	size_t		 i;

	*res = NULL;
	ok = json_object_get(root, "success");
	if (ok != NULL && !json_is_boolean(ok))
		return pki_err(err, PKI_ERR_INPUT,
		    "success: expected true or false");
	if (ok != NULL && json_is_true(ok)) {
		*res = json_object_get(root, "result");
		if (*res == NULL || json_is_null(*res)) {
			*res = NULL;
			return PKI_OK;
		}
		if (!json_is_object(*res))
			return pki_err(err, PKI_ERR_INPUT,
			    "result: expected an object");
		return PKI_OK;
	}
	/* A failed (or not an API) response: collect the messages. */
	errs = json_object_get(root, "errors");
	if ((cj->errors = calloc(1 + (json_is_array(errs) ?
	    json_array_size(errs) : 0), sizeof(*cj->errors))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (json_is_array(errs)) {
		json_array_foreach(errs, i, e) {
			msg = json_object_get(e, "message");
			if ((cj->errors[cj->nerrors] = strdup(json_is_string(msg) ?
			    json_string_value(msg) : "")) == NULL)
				return pki_err(err, PKI_ERR_ALLOC,
				    "out of memory");
			cj->nerrors++;
		}
	}
	if (cj->nerrors == 0) {
		/* "Request failed:" with no message still has to fail. */
		if ((cj->errors[0] = strdup("")) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		cj->nerrors = 1;
	}
	return PKI_OK;
}

int
pki_cfssljson_parse(const char *buf, size_t len, int bare,
    struct pki_cfssljson **out, struct pki_error *err)
{
	struct pki_cfssljson	*cj = NULL;
	json_t			*root = NULL, *res, *b;
	json_error_t		 jerr;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((cj = calloc(1, sizeof(*cj))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		r = pki_err(err, PKI_ERR_JSON, "%d:%d: %s", jerr.line,
		    jerr.column, pki_json_errtext(jerr.text));
		if (err != NULL) {
			err->line = jerr.line;
			err->column = jerr.column;
		}
		goto out;
	}
	if (!json_is_object(root)) {
		r = pki_err(err, PKI_ERR_INPUT, "expected a JSON object");
		goto out;
	}
	res = root;
	if (!bare) {
		if ((r = cj_envelope(cj, root, &res, err)) != 0)
			goto out;
		if (cj->nerrors > 0 || res == NULL) {
			*out = cj;
			cj = NULL;
			r = PKI_OK;
			goto out;
		}
	}
	if ((r = cj_take(cj, PKI_CJ_CERT, res, "cert", "", err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_CERT, res, "certificate", "", err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_KEY, res, "key", "", err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_KEY, res, "private_key", "", err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_ENC_KEY, res, "encrypted_key", "",
	    err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_CSR, res, "csr", "", err)) != 0 ||
	    (r = cj_take(cj, PKI_CJ_CSR, res, "certificate_request", "",
	    err)) != 0)
		goto out;
	if ((b = json_object_get(res, "bundle")) != NULL) {
		if (json_is_object(b))
			r = cj_bundle(cj, b, err);
		else
			r = cj_take(cj, PKI_CJ_BUNDLE, res, "bundle", "", err);
		if (r != 0)
			goto out;
	}
	/* cfssljson master: result.bundle, a cfssl bundle object wrapped. */
	if ((b = json_object_get(res, "result")) != NULL &&
	    json_is_object(b) && (b = json_object_get(b, "bundle")) != NULL &&
	    json_is_object(b) && (r = cj_bundle(cj, b, err)) != 0)
		goto out;
	if ((r = cj_ocsp(cj, res, err)) != 0)
		goto out;
	*out = cj;
	cj = NULL;
	r = PKI_OK;
 out:
	json_decref(root);
	pki_cfssljson_free(cj);
	return r;
}

void
pki_runtime_version(char *buf, size_t len)
{
	snprintf(buf, len, "%s, jansson %s", OpenSSL_version(OPENSSL_VERSION),
	    jansson_version_str());
}

int
pki_cfssljson_write(const char *base, const char *const data[PKI_CJ__COUNT],
    const size_t len[PKI_CJ__COUNT], struct pki_error *err)
{
	struct pki_file	 files[PKI_CJ__COUNT];
	char		*names[PKI_CJ__COUNT];
	size_t		 i, n = 0;
	int		 r = PKI_OK;

	memset(names, 0, sizeof(names));
	for (i = 0; i < PKI_CJ__COUNT && r == PKI_OK; i++) {
		if (data[i] == NULL || len[i] == 0)
			continue;
		if (asprintf(&names[n], "%s%s", base, cj_files[i].suffix) < 0) {
			names[n] = NULL;
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			break;
		}
		files[n].path = names[n];
		files[n].data = data[i];
		files[n].len = len[i];
		files[n].mode = cj_files[i].mode;
		n++;
	}
	if (r == PKI_OK)
		r = pki_file_write_set(files, n, err);
	for (i = 0; i < n; i++)
		free(names[i]);
	return r;
}
