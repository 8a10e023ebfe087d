/* HTML pages in Norwegian bokmål. They work without JavaScript; every
 * piece of text goes through sk_server__esc. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

int sk_server__h_css(sk_req *r)
{
	sk_buf_puts(&r->out, sk_server__css);
	r->status = 200;
	r->ctype = "text/css; charset=utf-8";
	/* The one response a browser may keep: it changes only with the binary. */
	sk_server__header(r, "Cache-Control", "public, max-age=3600");
	return 0;
}

/* The site's icon: a small SVG, so the browser's request for it is not
 * an error on every page. */
int sk_server__h_icon(sk_req *r)
{
	sk_buf_puts(&r->out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
		"<rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#0b5c8c\"/>"
		"<text x=\"16\" y=\"23\" font-family=\"sans-serif\" font-size=\"20\" "
		"font-weight=\"700\" fill=\"#fff\" text-anchor=\"middle\">s</text></svg>\n");
	r->status = 200;
	r->ctype = "image/svg+xml";
	sk_server__header(r, "Cache-Control", "public, max-age=86400");
	return 0;
}

/* The search box, with q filled in (may be NULL). */
static void search_form(sk_buf *b, const char *q)
{
	sk_buf_puts(b, "<form class=\"search\" method=\"get\" action=\"/search\" role=\"search\">\n"
		"<input type=\"search\" name=\"q\" aria-label=\"Søk\" placeholder=\"Søk i erfaringer, caser og eksperimenter\" value=\"");
	sk_server__esc(b, q);
	sk_buf_puts(b, "\">\n<button type=\"submit\">Søk</button>\n</form>\n");
}

int sk_server__h_home(sk_req *r)
{
	sk_buf *b = &r->out;
	sk_server__page_begin(r, "Forside");
	sk_buf_puts(b, "<h1>Partnerskap for radikal innovasjon</h1>\n"
		"<p>Felles kunnskapsbase for kommunene i partnerskapet: eksperimenter, logg, "
		"caser, modeller og status.</p>\n");
	search_form(b, NULL);
	sk_buf_puts(b, "<h2>Snarveier</h2>\n<ul>\n"
		"<li><a href=\"/records?type=experiment\">Eksperimenter</a></li>\n"
		"<li><a href=\"/records?type=case\">Caser</a></li>\n"
		"<li><a href=\"/records?type=kommune\">Kommuner</a></li>\n"
		"<li><a href=\"/records?type=challenge\">Utfordringer</a></li>\n"
		"<li><a href=\"/status\">Statusoversikt</a></li>\n"
		"<li><a href=\"/models\">Modeller og scenarioer</a></li>\n"
		"</ul>\n");
	sk_server__page_end(r, 200);
	return 0;
}

/* The login form; message (may be NULL) says why it is shown again. */
static void login_page(sk_req *r, int status, const char *message, const char *next)
{
	sk_buf *b = &r->out;
	sk_buf_clear(b);
	sk_server__page_begin(r, "Logg inn");
	sk_buf_puts(b, "<h1>Logg inn</h1>\n");
	if (message) {
		sk_buf_puts(b, "<p class=\"error\">");
		sk_server__esc(b, message);
		sk_buf_puts(b, "</p>\n");
	}
	sk_buf_puts(b, "<p>Lesing er åpent for alle. For å skrive i loggen trenger du en "
		"personlig nøkkel fra den som drifter samskap.</p>\n"
		"<form method=\"post\" action=\"/login\">\n"
		"<label for=\"token\">Nøkkel</label>\n"
		"<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" required>\n"
		"<input type=\"hidden\" name=\"next\" value=\"");
	sk_server__esc(b, next ? next : "/");
	sk_buf_puts(b, "\">\n<p><button type=\"submit\">Logg inn</button></p>\n</form>\n");
	sk_server__page_end(r, status);
}

/* A local path to go to after login: starts with one '/', nothing else. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
		strpbrk(next, "\r\n"))
		return "/";
	return next;
}

int sk_server__h_login_form(sk_req *r)
{
	int rc = sk_server__check_query(r);
	if (rc < 0)
		return rc;
	login_page(r, 200, NULL, safe_next(sk_server__query(r, "next")));
	return 0;
}

int sk_server__h_login(sk_req *r)
{
	int rc = sk_server__form_parse(r);
	if (rc < 0)
		return rc;
	if (!sk_server__same_origin(r))
		return sk_server__fail(r, 403,
			"a form may only be sent from this site's own pages");
	const char *tok = sk_server__form(r, "token");
	const char *next = safe_next(sk_server__form(r, "next"));
	long m = tok && *tok ? sk_server__member_of_token(r->srv, tok) : -1;
	if (m < 0) {
		login_page(r, 401, "Nøkkelen er ikke gyldig.", next);
		return 0;
	}
	sk_server__session_start(r, m);
	sk_server__header(r, "Location", next);
	r->status = 303;
	r->ctype = "text/plain; charset=utf-8";
	sk_buf_puts(&r->out, "Logget inn.\n");
	return 0;
}

int sk_server__h_logout(sk_req *r)
{
	int rc = sk_server__form_parse(r);
	if (rc == 0)
		rc = sk_server__auth_form(r);
	if (rc < 0)
		return rc;
	sk_server__session_end(r);
	sk_server__header(r, "Location", "/");
	r->status = 303;
	r->ctype = "text/plain; charset=utf-8";
	sk_buf_puts(&r->out, "Logget ut.\n");
	return 0;
}
