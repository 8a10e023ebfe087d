/* schema internals: the compiled form of a JSON Schema, shared by
 * compile.c (which builds it) and validate.c (which walks it). */
#ifndef SK_SCHEMA_INT_H
#define SK_SCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>

#include "samskap/schema.h"

/* How deep compiling and validating may nest (subschemas within
 * subschemas, $ref chains). Past it samskap reports an error instead of
 * running out of stack on a hostile or cyclic schema. */
#define SK_SCHEMA_MAX_DEPTH 500
#define SK_SCHEMA_MAX_DEPTH_TEXT "500"
/* How many subschema checks one validation may make. Nested anyOf/oneOf
 * over recursive $refs can take time exponential in the value's depth;
 * this bounds it (the bundled schemas need a few hundred per record). */
#define SK_SCHEMA_MAX_STEPS 1000000

/* Bits of the `type` keyword. */
enum {
	SK_T_NULL = 1 << 0,
	SK_T_BOOLEAN = 1 << 1,
	SK_T_OBJECT = 1 << 2,
	SK_T_ARRAY = 1 << 3,
	SK_T_NUMBER = 1 << 4,
	SK_T_STRING = 1 << 5,
	SK_T_INTEGER = 1 << 6
};

enum { SK_FORMAT_NONE, SK_FORMAT_DATE, SK_FORMAT_DATETIME };

typedef struct sk_snode sk_snode;

typedef struct sk_snamed {
	const char *name;     /* borrowed from the schema document */
	sk_snode *schema;
} sk_snamed;

typedef struct sk_spattern {
	const char *source;   /* borrowed */
	pcre2_code *re;
	sk_snode *schema;     /* NULL for the `pattern` keyword itself */
} sk_spattern;

typedef struct sk_slist {
	sk_snode **items;
	size_t len;
} sk_slist;

/* One compiled schema object or boolean schema. Every json_t pointer is
 * borrowed from the document, which the sk_schema keeps alive. */
struct sk_snode {
	const json_t *src;    /* the schema value this node was compiled from */
	char *where;          /* its JSON pointer within the schema document */
	int boolean;          /* -1: an object schema; 0/1: false/true */

	unsigned types;       /* 0: no `type` keyword */
	const json_t *enum_values;
	const json_t *const_value;

	/* objects */
	const json_t *required;
	sk_snamed *props;
	size_t n_props;
	sk_spattern *pattern_props;
	size_t n_pattern_props;
	sk_snode *additional;
	sk_snode *property_names;
	sk_snode *unevaluated_props;
	long long min_props, max_props;     /* -1: absent */
	const json_t *dependent_required;
	sk_snamed *dependent_schemas;
	size_t n_dependent_schemas;

	/* arrays */
	sk_slist prefix_items;
	sk_snode *items;
	sk_snode *contains;
	long long min_contains, max_contains; /* min defaults to 1; max -1 */
	long long min_items, max_items;
	int unique_items;

	/* strings */
	long long min_length, max_length;
	sk_spattern pattern;  /* re NULL: absent */
	int format;

	/* numbers */
	const json_t *minimum, *maximum, *exclusive_minimum, *exclusive_maximum;
	const json_t *multiple_of;

	/* applicators */
	sk_slist all_of, any_of, one_of;
	sk_snode *not_;
	sk_snode *if_, *then_, *else_;
	const char *ref_text; /* the $ref string, borrowed */
	sk_snode *ref;        /* resolved after the whole document compiled */
};

struct sk_schema {
	json_t *doc;          /* own reference */
	char *name;
	sk_snode *root;
	sk_snode **nodes;     /* every node, to look $ref targets up and to free */
	size_t n_nodes, cap_nodes;
};

/* Equality of JSON values as JSON Schema defines it: numbers by value
 * (1 and 1.0 are equal), objects regardless of key order. */
int sk_schema__equal(const json_t *a, const json_t *b);

/* Compares two numbers: <0, 0, >0. */
int sk_schema__numcmp(const json_t *a, const json_t *b);

/* A short rendering of a value for messages, caller frees. */
char *sk_schema__show(const json_t *v);

#endif
