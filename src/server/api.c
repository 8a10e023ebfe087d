/* The JSON API under /api/. Each handler checks its input, calls the
 * library, and sends what it returns as JSON; the shapes are documented
 * in schemas/openapi.json, which the tests check responses against. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

/* schemas/openapi.json, compiled into the binary by the build. */
struct sk_embedded_file {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct sk_embedded_file sk_server_embedded[];

int sk_server__h_api_index(sk_req *r)
{
	json_t *routes = json_array();
	for (const sk_route *rt = sk_server__routes; rt->method; rt++) {
		if (strncmp(rt->pattern, "/api", 4) != 0)
			continue;
		json_array_append_new(routes, json_pack("{s:s,s:s,s:s}", "method", rt->method,
			"path", rt->pattern, "summary", rt->summary));
	}
	sk_server__json(r, 200, json_pack("{s:s,s:s,s:o}", "name", "samskap",
		"version", SAMSKAP_VERSION, "routes", routes));
	return 0;
}

int sk_server__h_openapi(sk_req *r)
{
	for (const struct sk_embedded_file *f = sk_server_embedded; f->name; f++) {
		if (strcmp(f->name, "openapi.json") == 0) {
			sk_buf_put(&r->out, f->data, f->len);
			r->status = 200;
			r->ctype = "application/json";
			return 0;
		}
	}
	return sk_error_set(SK_ENOTFOUND, "openapi.json is not built in");
}

int sk_server__h_me(sk_req *r)
{
	int rc = sk_server__auth_bearer(r);
	if (rc < 0)
		return rc;
	const sk_member *m = &r->srv->members[r->member];
	sk_server__json(r, 200, json_pack("{s:s,s:s}", "name", m->name, "email", m->email));
	return 0;
}
