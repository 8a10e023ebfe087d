/* samskap — model: the equation parser (XMILE expression syntax).
 *
 * A recursive-descent parser over a small lexer. Precedence, loosest
 * first: OR, AND, = <> (also == !=), < <= > >=, + -, * / MOD, unary + -
 * NOT, ^ (left-associative, binding tighter than unary minus: -2^2 = -4),
 * then calls, subscripts and parentheses. IF c THEN a ELSE b is a primary. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

typedef enum {
	T_END, T_NUM, T_ID, T_OP, T_LP, T_RP, T_LB, T_RB, T_COMMA, T_COLON, T_BAD
} tok_kind;

typedef struct {
	const char *s;
	size_t pos;
	tok_kind kind;
	int prev_operand; /* the previous token ended an operand */
	int op;          /* T_OP: SK_OP_* or '!' */
	double num;
	char *id;        /* T_ID: as written, quotes dropped */
	int col;
	int err_col;
	const char *err;
} lexer;

sk_node *sk_model__node_new(sk_node_kind kind)
{
	sk_node *n = sk_calloc(1, sizeof(*n));
	n->kind = kind;
	return n;
}

sk_node *sk_model__node_num(double v)
{
	sk_node *n = sk_model__node_new(SK_N_NUM);
	n->num = v;
	return n;
}

sk_node *sk_model__node_slot(int slot)
{
	sk_node *n = sk_model__node_new(SK_N_SLOT);
	n->slot = slot;
	return n;
}

void sk_model__node_add_arg(sk_node *n, sk_node *arg)
{
	n->args = sk_realloc(n->args, sk_mul_size((size_t)n->nargs + 1, sizeof(*n->args)));
	n->args[n->nargs++] = arg;
}

sk_node *sk_model__node_bin(int op, sk_node *a, sk_node *b)
{
	sk_node *n = sk_model__node_new(SK_N_BIN);
	n->op = op;
	sk_model__node_add_arg(n, a);
	sk_model__node_add_arg(n, b);
	return n;
}

void sk_model__node_free(sk_node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nargs; i++)
		sk_model__node_free(n->args[i]);
	free(n->args);
	free(n->name);
	free(n->raw);
	free(n);
}

static int is_id_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80 || c == '$';
}

static int is_id_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80 || c == '$' || c == '.';
}

static int word_is(const char *w, const char *kw)
{
	return strcasecmp(w, kw) == 0;
}

/* Reads the next token into lx. */
static void lex_next(lexer *lx)
{
	const char *s = lx->s;
	size_t p = lx->pos;
	lx->prev_operand = lx->kind == T_NUM || lx->kind == T_RP || lx->kind == T_RB ||
		(lx->kind == T_ID && lx->id && !word_is(lx->id, "if") && !word_is(lx->id, "then") &&
		 !word_is(lx->id, "else"));
	free(lx->id);
	lx->id = NULL;
	for (;;) {
		while (s[p] && isspace((unsigned char)s[p]))
			p++;
		/* {comments} as Stella writes them */
		if (s[p] == '{') {
			while (s[p] && s[p] != '}')
				p++;
			if (s[p])
				p++;
			continue;
		}
		break;
	}
	lx->col = (int)p + 1;
	unsigned char c = (unsigned char)s[p];
	if (!c) {
		lx->kind = T_END;
	} else if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[p + 1]))) {
		char *end;
		lx->num = strtod(s + p, &end);
		p = (size_t)(end - s);
		lx->kind = T_NUM;
	} else if (c == '"') {
		size_t q = p + 1;
		sk_buf b = SK_BUF_INIT;
		while (s[q] && s[q] != '"') {
			if (s[q] == '\\' && s[q + 1])
				q++;
			sk_buf_putc(&b, s[q]);
			q++;
		}
		if (!s[q]) {
			sk_buf_free(&b);
			lx->kind = T_BAD;
			lx->err = "unterminated quoted name";
			return;
		}
		lx->id = sk_buf_detach(&b);
		lx->kind = T_ID;
		p = q + 1;
	} else if (is_id_start(c)) {
		size_t q = p;
		while (s[q] && is_id_char((unsigned char)s[q]))
			q++;
		lx->id = sk_strndup(s + p, q - p);
		p = q;
		lx->kind = T_ID;
		if (word_is(lx->id, "and")) {
			lx->kind = T_OP;
			lx->op = SK_OP_AND;
		} else if (word_is(lx->id, "or")) {
			lx->kind = T_OP;
			lx->op = SK_OP_OR;
		} else if (word_is(lx->id, "not")) {
			lx->kind = T_OP;
			lx->op = '!';
		} else if (word_is(lx->id, "mod") && lx->prev_operand) {
			/* a MOD b is the operator; MOD(a, b) or a variable named
			 * mod where no operand precedes */
			lx->kind = T_OP;
			lx->op = SK_OP_MOD;
		}
	} else {
		p++;
		lx->kind = T_OP;
		switch (c) {
		case '+': lx->op = SK_OP_ADD; break;
		case '-': lx->op = SK_OP_SUB; break;
		case '*': lx->op = SK_OP_MUL; break;
		case '/': lx->op = SK_OP_DIV; break;
		case '^': lx->op = SK_OP_POW; break;
		case '(': lx->kind = T_LP; break;
		case ')': lx->kind = T_RP; break;
		case '[': lx->kind = T_LB; break;
		case ']': lx->kind = T_RB; break;
		case ',': lx->kind = T_COMMA; break;
		case ':': lx->kind = T_COLON; break;
		case '<':
			if (s[p] == '=') { p++; lx->op = SK_OP_LE; }
			else if (s[p] == '>') { p++; lx->op = SK_OP_NE; }
			else lx->op = SK_OP_LT;
			break;
		case '>':
			if (s[p] == '=') { p++; lx->op = SK_OP_GE; }
			else lx->op = SK_OP_GT;
			break;
		case '=':
			if (s[p] == '=')
				p++;
			lx->op = SK_OP_EQ;
			break;
		case '!':
			if (s[p] == '=') { p++; lx->op = SK_OP_NE; }
			else lx->op = '!';
			break;
		case '&':
			if (s[p] == '&')
				p++;
			lx->op = SK_OP_AND;
			break;
		case '|':
			if (s[p] == '|')
				p++;
			lx->op = SK_OP_OR;
			break;
		default:
			lx->kind = T_BAD;
			lx->err = "unexpected character";
			return;
		}
	}
	lx->pos = p;
}

static sk_node *parse_expr(lexer *lx);

static sk_node *fail(lexer *lx, const char *msg, sk_node *n)
{
	if (!lx->err) {
		lx->err = msg;
		lx->err_col = lx->col;
	} else if (!lx->err_col) {
		lx->err_col = lx->col;
	}
	sk_model__node_free(n);
	return NULL;
}

static int is_word(lexer *lx, const char *kw)
{
	return lx->kind == T_ID && word_is(lx->id, kw);
}

/* One subscript: *, a:b, or an expression. */
static sk_node *parse_subscript(lexer *lx)
{
	if (lx->kind == T_OP && lx->op == SK_OP_MUL) {
		sk_node *n = sk_model__node_new(SK_N_STAR);
		n->col = lx->col;
		lex_next(lx);
		if (lx->kind == T_COLON) {
			/* *:dim names the dimension summed over */
			lex_next(lx);
			if (lx->kind != T_ID)
				return fail(lx, "expected a dimension name after '*:'", n);
			n->name = sk_model_name_key(lx->id);
			lex_next(lx);
		}
		return n;
	}
	sk_node *a = parse_expr(lx);
	if (!a)
		return NULL;
	if (lx->kind == T_COLON) {
		lex_next(lx);
		sk_node *b = parse_expr(lx);
		if (!b)
			return fail(lx, "expected the end of a range", a);
		sk_node *r = sk_model__node_new(SK_N_RANGE);
		r->col = a->col;
		sk_model__node_add_arg(r, a);
		sk_model__node_add_arg(r, b);
		return r;
	}
	return a;
}

static sk_node *parse_primary(lexer *lx)
{
	int col = lx->col;
	if (lx->kind == T_NUM) {
		sk_node *n = sk_model__node_num(lx->num);
		n->col = col;
		lex_next(lx);
		return n;
	}
	if (lx->kind == T_LP) {
		lex_next(lx);
		sk_node *n = parse_expr(lx);
		if (!n)
			return NULL;
		if (lx->kind != T_RP)
			return fail(lx, "expected ')'", n);
		lex_next(lx);
		return n;
	}
	if (is_word(lx, "if")) {
		sk_node *n = sk_model__node_new(SK_N_IF);
		n->col = col;
		lex_next(lx);
		sk_node *c = parse_expr(lx);
		if (!c)
			return fail(lx, "expected a condition after IF", n);
		sk_model__node_add_arg(n, c);
		if (!is_word(lx, "then"))
			return fail(lx, "expected THEN", n);
		lex_next(lx);
		sk_node *a = parse_expr(lx);
		if (!a)
			return fail(lx, "expected an expression after THEN", n);
		sk_model__node_add_arg(n, a);
		if (!is_word(lx, "else"))
			return fail(lx, "expected ELSE", n);
		lex_next(lx);
		sk_node *b = parse_expr(lx);
		if (!b)
			return fail(lx, "expected an expression after ELSE", n);
		sk_model__node_add_arg(n, b);
		return n;
	}
	if (lx->kind == T_ID) {
		if (is_word(lx, "then") || is_word(lx, "else"))
			return fail(lx, "unexpected THEN or ELSE", NULL);
		char *id = lx->id;
		lx->id = NULL;
		lex_next(lx);
		if (lx->kind == T_LP) {
			sk_node *n = sk_model__node_new(SK_N_CALL);
			n->col = col;
			n->raw = id;
			n->name = sk_model_name_key(id);
			for (char *p = n->name; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			lex_next(lx);
			if (lx->kind != T_RP) {
				for (;;) {
					sk_node *a = parse_expr(lx);
					if (!a)
						return fail(lx, "expected an argument", n);
					sk_model__node_add_arg(n, a);
					if (lx->kind == T_COMMA) {
						lex_next(lx);
						continue;
					}
					break;
				}
			}
			if (lx->kind != T_RP)
				return fail(lx, "expected ')' or ',' in the argument list", n);
			lex_next(lx);
			return n;
		}
		sk_node *n = sk_model__node_new(SK_N_REF);
		n->col = col;
		n->raw = id;
		n->name = sk_model_name_key(id);
		if (lx->kind == T_LB) {
			n->subscripted = 1;
			lex_next(lx);
			for (;;) {
				sk_node *a = parse_subscript(lx);
				if (!a)
					return fail(lx, "expected a subscript", n);
				sk_model__node_add_arg(n, a);
				if (lx->kind == T_COMMA) {
					lex_next(lx);
					continue;
				}
				break;
			}
			if (lx->kind != T_RB)
				return fail(lx, "expected ']' or ',' in the subscripts", n);
			lex_next(lx);
		}
		return n;
	}
	if (lx->kind == T_BAD)
		return fail(lx, lx->err ? lx->err : "unexpected character", NULL);
	if (lx->kind == T_END)
		return fail(lx, "unexpected end of the equation", NULL);
	return fail(lx, "expected a number, a name or '('", NULL);
}

static sk_node *parse_unary(lexer *lx);

static sk_node *parse_power(lexer *lx)
{
	sk_node *a = parse_primary(lx);
	while (a && lx->kind == T_OP && lx->op == SK_OP_POW) {
		int col = lx->col;
		lex_next(lx);
		sk_node *b = parse_unary(lx);
		if (!b)
			return fail(lx, "expected an exponent", a);
		a = sk_model__node_bin(SK_OP_POW, a, b);
		a->col = col;
	}
	return a;
}

static sk_node *parse_unary(lexer *lx)
{
	if (lx->kind == T_OP && (lx->op == SK_OP_SUB || lx->op == SK_OP_ADD || lx->op == '!')) {
		int op = lx->op == SK_OP_SUB ? '-' : lx->op == SK_OP_ADD ? '+' : '!';
		int col = lx->col;
		lex_next(lx);
		sk_node *a = parse_unary(lx);
		if (!a)
			return NULL;
		sk_node *n = sk_model__node_new(SK_N_UN);
		n->op = op;
		n->col = col;
		sk_model__node_add_arg(n, a);
		return n;
	}
	return parse_power(lx);
}

typedef sk_node *(*parse_fn)(lexer *lx);

/* A left-associative level: operand (op operand)* for ops in [lo, hi]. */
static sk_node *parse_level(lexer *lx, parse_fn next, const int *ops)
{
	sk_node *a = next(lx);
	for (;;) {
		if (!a || lx->kind != T_OP)
			return a;
		int hit = 0;
		for (const int *o = ops; *o; o++)
			if (lx->op == *o)
				hit = 1;
		if (!hit)
			return a;
		int op = lx->op, col = lx->col;
		lex_next(lx);
		sk_node *b = next(lx);
		if (!b)
			return fail(lx, "expected an operand", a);
		a = sk_model__node_bin(op, a, b);
		a->col = col;
	}
}

static const int ops_mul[] = {SK_OP_MUL, SK_OP_DIV, SK_OP_MOD, 0};
static const int ops_add[] = {SK_OP_ADD, SK_OP_SUB, 0};
static const int ops_rel[] = {SK_OP_LT, SK_OP_LE, SK_OP_GT, SK_OP_GE, 0};
static const int ops_eq[] = {SK_OP_EQ, SK_OP_NE, 0};
static const int ops_and[] = {SK_OP_AND, 0};
static const int ops_or[] = {SK_OP_OR, 0};

static sk_node *parse_mul(lexer *lx) { return parse_level(lx, parse_unary, ops_mul); }
static sk_node *parse_add(lexer *lx) { return parse_level(lx, parse_mul, ops_add); }
static sk_node *parse_rel(lexer *lx) { return parse_level(lx, parse_add, ops_rel); }
static sk_node *parse_eq(lexer *lx) { return parse_level(lx, parse_rel, ops_eq); }
static sk_node *parse_and(lexer *lx) { return parse_level(lx, parse_eq, ops_and); }
static sk_node *parse_expr(lexer *lx) { return parse_level(lx, parse_and, ops_or); }

sk_node *sk_model__parse(const char *text, int *err_col, const char **err)
{
	lexer lx;
	memset(&lx, 0, sizeof(lx));
	lx.s = text;
	lex_next(&lx);
	sk_node *n = NULL;
	if (lx.kind == T_END) {
		lx.err = "empty equation";
		lx.err_col = 1;
	} else {
		n = parse_expr(&lx);
		if (n && lx.kind != T_END)
			n = fail(&lx, "unexpected text after the expression", n);
	}
	free(lx.id);
	if (!n) {
		*err_col = lx.err_col ? lx.err_col : lx.col;
		*err = lx.err ? lx.err : "syntax error";
	}
	return n;
}

/* Name keys: ASCII lower case, whitespace and runs of '_' as one '_',
 * outer blanks and quotes dropped, "\n" escapes as '_'. */
char *sk_model_name_key(const char *name)
{
	sk_buf b = SK_BUF_INIT;
	const char *s = name ? name : "";   /* a missing name matches nothing */
	size_t n = strlen(s);
	while (n && (isspace((unsigned char)*s) || *s == '"' || *s == '_')) {
		s++;
		n--;
	}
	while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '"' || s[n - 1] == '_'))
		n--;
	int gap = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < n && s[i + 1] == 'n') {
			gap = 1;
			i++;
			continue;
		}
		if (isspace(c) || c == '_') {
			gap = 1;
			continue;
		}
		if (gap && b.len)
			sk_buf_putc(&b, '_');
		gap = 0;
		sk_buf_putc(&b, (char)tolower(c));
	}
	return sk_buf_detach(&b);
}
