/* Text helpers shared by the reporters (private to src/report). */
#ifndef RC_REPORT_TEXT_H
#define RC_REPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"
#include "results/results.h"

enum rc_report_clean {
    /* XML 1.0 content: tab, LF and CR stay; other C0 controls, U+FFFE/U+FFFF and malformed
     * UTF-8 become U+FFFD */
    RC_CLEAN_XML,
    /* one line of text for Markdown or a terminal: tab, LF and CR become a space; C0 and C1
     * controls, DEL and malformed UTF-8 become U+FFFD */
    RC_CLEAN_LINE,
};

/* Appends s (NULL appends nothing) cleaned for the given use. */
void rc_report_clean(struct rc_buf *out, const char *s, enum rc_report_clean mode);
/* Counts of each status in one registry. */
void rc_report_count(const struct rc_registry_result *rr, unsigned counts[RC_ST__COUNT]);

/* "GET /v2/x/manifests/v1 -> 404" (or "-> connection refused"), one line. */
void rc_report_evidence_line(struct rc_buf *out, const struct rc_evidence *e);

/* Markdown that also reads as MDX (Docusaurus), in docs.c. md_text shows s literally on one
 * line: the characters that start emphasis, code, links, HTML/JSX, expressions, an entity or
 * a table cell are backslash-escaped. md_code writes a code span holding s (a longer fence
 * when s holds backticks); in_table escapes '|' as a table cell needs. */
void rc_report_md_text(struct rc_buf *out, const char *s);
void rc_report_md_code(struct rc_buf *out, const char *s, bool in_table);

#endif
