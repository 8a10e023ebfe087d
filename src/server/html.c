/* HTML building blocks: escaping, URL encoding, the page frame, the style
 * sheet, and form bodies. Every piece of text enters a page through
 * sk_server__esc (STYLE.md 8). */
#include "server_int.h"

#include "samskap/report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sk_server__esc(sk_buf *b, const char *s)
{
	sk_report_html_escape(b, s);
}

void sk_server__urlenc(sk_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			sk_buf_putc(b, (char)*p);
		} else {
			sk_buf_putc(b, '%');
			sk_buf_putc(b, hex[*p >> 4]);
			sk_buf_putc(b, hex[*p & 15]);
		}
	}
}

void sk_server__page_begin(sk_req *r, const char *title)
{
	sk_buf *b = &r->out;
	char csrf[44];
	const char *who = sk_server__session_member(r, csrf);
	sk_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	sk_server__esc(b, title);
	sk_buf_puts(b, " – samskap</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
		"<link rel=\"icon\" href=\"/favicon.ico\" type=\"image/svg+xml\">\n"
		"</head>\n<body>\n<header class=\"top\">\n<a class=\"brand\" href=\"/\">samskap</a>\n"
		"<nav>\n<a href=\"/search\">Søk</a>\n<a href=\"/records?type=experiment\">Eksperimenter</a>\n"
		"<a href=\"/records?type=case\">Caser</a>\n<a href=\"/status\">Status</a>\n"
		"<a href=\"/models\">Modeller</a>\n");
	if (who) {
		sk_buf_puts(b, "<form class=\"logout\" method=\"post\" action=\"/logout\">"
			"<input type=\"hidden\" name=\"csrf\" value=\"");
		sk_server__esc(b, csrf);
		sk_buf_puts(b, "\"><span class=\"who\">");
		sk_server__esc(b, who);
		sk_buf_puts(b, "</span> <button type=\"submit\">Logg ut</button></form>\n");
	} else {
		sk_buf_puts(b, "<a href=\"/login\">Logg inn</a>\n");
	}
	sk_buf_puts(b, "</nav>\n</header>\n<main>\n");
}

void sk_server__page_end(sk_req *r, int status)
{
	sk_buf_puts(&r->out, "</main>\n<footer>samskap – Partnerskap for radikal innovasjon"
		"</footer>\n</body>\n</html>\n");
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
}

const char sk_server__css[] =
	":root{--ink:#1d2733;--muted:#5b6673;--line:#d9dee4;--bg:#fbfbf8;--accent:#0b5c8c;"
	"--accent-bg:#e7f0f6;--warn:#9b3b00;--ok:#2f6b2f}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:17px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
	"color:var(--ink);background:var(--bg)}\n"
	"main{max-width:60rem;margin:0 auto;padding:1rem 1.25rem 3rem}\n"
	"header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;"
	"padding:.6rem 1.25rem;background:#fff;border-bottom:1px solid var(--line)}\n"
	".brand{font-weight:700;font-size:1.2rem;color:var(--ink);text-decoration:none}\n"
	"nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}\n"
	"nav a{color:var(--accent);text-decoration:none}nav a:hover{text-decoration:underline}\n"
	"form.logout{display:inline;margin:0}.who{color:var(--muted)}\n"
	"h1{font-size:1.7rem;line-height:1.2;margin:1rem 0 .5rem}h2{font-size:1.25rem;margin-top:2rem}\n"
	"a{color:var(--accent)}\n"
	"table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.95rem}\n"
	"th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}\n"
	"th{color:var(--muted);font-weight:600;width:30%}\n"
	".table-wrap{overflow-x:auto}\n"
	"table.inner{margin:0;font-size:.9rem}table.inner th{width:auto}\n"
	"input[type=text],input[type=search],input[type=password],input[type=date],input[type=number],"
	"select,textarea{font:inherit;padding:.45rem .6rem;border:1px solid var(--line);border-radius:6px;"
	"background:#fff;max-width:100%}\n"
	"textarea{width:100%;min-height:8rem}\n"
	"button{font:inherit;padding:.45rem .9rem;border:0;border-radius:6px;background:var(--accent);"
	"color:#fff;cursor:pointer}\n"
	"form.logout button{background:none;color:var(--accent);padding:0}\n"
	".search{display:flex;gap:.5rem;flex-wrap:wrap}.search input[type=search]{flex:1 1 16rem}\n"
	".layout{display:grid;grid-template-columns:14rem 1fr;gap:1.5rem}\n"
	"@media (max-width:44rem){.layout{grid-template-columns:1fr}"
	"table.front>tbody>tr>th,table.front>tbody>tr>td{display:block;width:auto;border:0;padding:.1rem 0}"
	"table.front>tbody>tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}"
	"header.top{padding:.5rem .8rem}main{padding:.8rem .8rem 2rem}}\n"
	".facets h3{font-size:.95rem;margin:1rem 0 .25rem;color:var(--muted)}\n"
	".facets ul{list-style:none;padding:0;margin:0}.facets li{margin:.1rem 0}\n"
	".count{color:var(--muted);font-size:.85rem}\n"
	".hits{list-style:none;padding:0}.hits li{margin:0 0 1.1rem}\n"
	".hit-title{font-size:1.1rem}.type{display:inline-block;font-size:.75rem;padding:0 .4rem;"
	"border-radius:4px;background:var(--accent-bg);color:var(--accent);margin-left:.4rem}\n"
	".snippet{color:var(--muted);margin:.2rem 0 0}mark{background:#fff1a8;color:inherit}\n"
	".example{border-left:4px solid var(--warn);background:#fff6ef;padding:.5rem .8rem}\n"
	".timeline{list-style:none;padding:0;border-left:3px solid var(--line);margin-left:.5rem}\n"
	".timeline li{position:relative;padding:0 0 1.2rem 1.2rem}\n"
	".timeline li::before{content:'';position:absolute;left:-.5rem;top:.45rem;width:.7rem;"
	"height:.7rem;border-radius:50%;background:var(--accent)}\n"
	".timeline .meta{color:var(--muted);font-size:.9rem}\n"
	".error{color:var(--warn)}.ok{color:var(--ok)}\n"
	".pager{display:flex;gap:1rem;margin:1rem 0}\n"
	"svg{max-width:100%;height:auto}\n"
	"fieldset{border:1px solid var(--line);border-radius:8px;padding:1rem}\n"
	"label{display:block;margin:.6rem 0 .2rem;font-weight:600}\n"
	"label.check{display:inline-block;font-weight:400;margin:.2rem 1.2rem .2rem 0}\n"
	"figure.chart{margin:1rem 0}\n"
	"footer{max-width:60rem;margin:0 auto;padding:1rem 1.25rem;color:var(--muted);font-size:.85rem}\n";

/* Decodes %XX and '+' of a form value in place. */
static void form_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char h[3] = { s[1], s[2], 0 };
			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int sk_server__form_parse(sk_req *r)
{
	const char *ct = sk_server__header_in(r, "Content-Type");
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return sk_server__fail(r, 415,
			"a form must be sent as application/x-www-form-urlencoded");
	json_decref(r->form);
	r->form = json_object();
	char *copy = sk_strndup(r->body.data ? r->body.data : "", r->body.len);
	int rc = 0;
	char *save = NULL;
	for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		char *val = eq ? eq + 1 : pair + strlen(pair);
		if (eq)
			*eq = '\0';
		form_decode(pair);
		form_decode(val);
		if (!sk_utf8_valid(pair, strlen(pair), NULL) || !sk_utf8_valid(val, strlen(val), NULL)) {
			rc = sk_server__fail(r, 400, "form field is not valid UTF-8");
			break;
		}
		if (!json_object_get(r->form, pair))
			json_object_set_new(r->form, pair, json_string(val));
	}
	free(copy);
	return rc;
}

const char *sk_server__form(sk_req *r, const char *name)
{
	return r->form ? json_string_value(json_object_get(r->form, name)) : NULL;
}
