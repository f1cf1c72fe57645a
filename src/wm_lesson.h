/*
 * wm_lesson.h - the lesson framework every demo uses.
 *
 * A lesson is a table of steps. A step narrates, makes the Win32 call it teaches in plain
 * sight, shows the values it observed (addresses, sizes, counters) and states claims. Each
 * claim has a stable id (its row in the lesson page's "Claims and evidence" table) and gets
 * a verdict from what was observed:
 *   pass     the documented Windows behaviour was observed, on any runtime;
 *   differs  the observation is a recorded deviation of the runtime that is running (a
 *            row of docs/deviations.md), named with the runtime's version as detected;
 *   fail     anything else.
 * A call that sets a step up is not a claim: wm_require is silent when it succeeds, and
 * when it fails prints one FAIL line with the call, the code and its text, and the lesson
 * stops there (the steps after it are not run).
 *
 * Output goes through an output interface (wm_lesson_output_t) with two implementations:
 * text for people (aligned, coloured on a console) and, with --json, one JSON object:
 * {"demo", "title", "runtime", "steps": [{"number", "title", "narration", "notes",
 * "values": [...], "claims": [{"id", "claim", "verdict", "reason", "deviation"}]}],
 * "passed", "differs", "failed", "summary"}. Both end with the same summary,
 * "N passed, N differs, N failed", which the tour reads. A lesson whose claims all pass
 * or differ exits 0; one failed claim or requirement makes it exit 1.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_LESSON_H
#define WM_LESSON_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

#include "wm_args.h"
#include "wm_json.h"
#include "wm_system.h"

typedef enum wm_verdict_e
{
    WM_VERDICT_PASS,
    WM_VERDICT_DIFFERS,
    WM_VERDICT_FAIL
} wm_verdict_t;

/*
 * A recorded deviation: something a runtime that is not Windows (Wine) is known to do
 * instead of the documented behaviour. Each has a row in docs/deviations.md with the
 * versions where it was seen and how it is detected. A lesson defines one as a constant
 * next to the claim it explains.
 */
typedef struct wm_deviation_s
{
    const char *id;        /* its row in docs/deviations.md: "wine-reserve-costs-ram" */
    const char *behaviour; /* what the runtime does instead: one sentence */
} wm_deviation_t;

/* What an observed value is, so each output can show it its own way. */
typedef enum wm_value_kind_e
{
    WM_VALUE_BYTES,   /* unsigned: a size, shown with its human form ("64 KiB") */
    WM_VALUE_COUNT,   /* unsigned: a number of units ("pages", "%", or none) */
    WM_VALUE_SIGNED,  /* signed: a change ("+4,096 bytes") */
    WM_VALUE_ADDRESS, /* unsigned: an address, 16 hex digits */
    WM_VALUE_HEX,     /* unsigned: a bit pattern, with what it means */
    WM_VALUE_TEXT     /* text */
} wm_value_kind_t;

typedef struct wm_value_s
{
    wm_value_kind_t kind;
    const char *name;      /* "page size" */
    uint64_t number;       /* BYTES, COUNT, ADDRESS, HEX */
    int64_t signed_number; /* SIGNED */
    const char *text;      /* TEXT: the value; HEX: its meaning (or NULL) */
    const char *unit;      /* COUNT, SIGNED: the unit (or NULL) */
} wm_value_t;

/* A verdict as the outputs see it. */
typedef struct wm_claim_result_s
{
    const char *id;   /* the claim's id, or NULL for a failed requirement */
    const char *text; /* the claim, or "CALL succeeds." for a requirement */
    wm_verdict_t verdict;
    const char *reason;    /* why it differs or failed, or NULL */
    const char *deviation; /* the deviation's id when it differs, else NULL */
} wm_claim_result_t;

struct wm_lesson_s;

/*
 * Where a lesson's output goes: one implementation writes text, one writes JSON. Each
 * function gets the lesson, whose fields say the step number, title and narration.
 */
typedef struct wm_lesson_output_s
{
    void (*begin)(struct wm_lesson_s *lesson);    /* the heading and the runtime */
    void (*step)(struct wm_lesson_s *lesson);     /* a step starts */
    void (*step_end)(struct wm_lesson_s *lesson); /* the step ends */
    void (*note)(struct wm_lesson_s *lesson, const char *note);
    void (*value)(struct wm_lesson_s *lesson, const wm_value_t *value);
    void (*claim)(struct wm_lesson_s *lesson, const wm_claim_result_t *claim);
    void (*end)(struct wm_lesson_s *lesson, const char *summary); /* the summary */
} wm_lesson_output_t;

extern const wm_lesson_output_t wm_lesson_text_output;
extern const wm_lesson_output_t wm_lesson_json_output;

/* The lesson's state. The framework owns it; a step reads it but never writes it. */
typedef struct wm_lesson_s
{
    const char *name;     /* the demo's name: "virtual-memory" */
    const char *title;    /* one line: what the lesson shows */
    unsigned step_total;  /* steps the lesson has (for "Step 2/4") */
    unsigned step_number; /* the current step, from 1; 0 before the first */
    unsigned passed;      /* claims with each verdict so far (requirements that failed */
    unsigned differs;     /* count as failed) */
    unsigned failed;
    int stopped;          /* a requirement failed: the steps after this one do not run */
    int json;             /* --json: the JSON document instead of text */
    int color;            /* colour the text */
    int pause;            /* --pause: wait before each step */
    wm_runtime_t runtime; /* the OS version and Wine, read once at the start */
    const wm_lesson_output_t *output; /* text or JSON */
    wm_write_fn write;                /* where output goes (stdout unless a test says otherwise) */
    void *write_context;
    char step_title[128]; /* the current step's title and narration */
    char step_narration[2048];
    /* The JSON output's state: the document, and the current step's three arrays, kept
     * as text until the step ends (a step's object lists notes, values, then claims). */
    wm_json_t document;
    wm_text_buffer_t step_values;
    wm_text_buffer_t step_claims;
    wm_text_buffer_t step_notes;
    wm_json_t values_json;
    wm_json_t claims_json;
    wm_json_t notes_json;
} wm_lesson_t;

/* ------------------------------------------------------------------------------------ */
/* A lesson as a table: what a demo declares, and the one call its wmain makes.         */
/* ------------------------------------------------------------------------------------ */

/* One step: its title, what it teaches, and the function that does it. state is the
 * lesson's own struct (see wm_lesson_spec_t), zeroed and then set by init and options. */
typedef struct wm_lesson_step_s
{
    const char *title;
    const char *narration;
    void (*run)(wm_lesson_t *lesson, void *state);
} wm_lesson_step_t;

/* One option of the lesson's own: like wm_option_spec_t, but its value goes into the
 * lesson's state struct at offset (offsetof(my_state_t, field)). */
typedef struct wm_lesson_option_s
{
    const wchar_t *name; /* with the dashes: L"--reserve" */
    wm_option_kind_t kind;
    size_t offset;          /* where in the state struct the value goes */
    const char *value_name; /* shown in usage: "SIZE" */
    const char *help;       /* one line for the usage text; NULL for an internal option */
} wm_lesson_option_t;

/* A child mode: `--child=NAME` runs function instead of the lesson (a copy of the demo
 * that the lesson starts, to show what only a second process can show). Its return value
 * is the process's exit code. It reports back with wm_child_report. */
typedef struct wm_lesson_child_s
{
    const char *name;
    int (*run)(void *state);
} wm_lesson_child_t;

typedef struct wm_lesson_spec_s
{
    const char *name;  /* "virtual-memory" */
    const char *title; /* one line: what the lesson shows */
    const wm_lesson_step_t *steps;
    size_t step_count;
    const wm_lesson_option_t *options; /* may be NULL */
    size_t option_count;
    const wm_lesson_child_t *children; /* may be NULL */
    size_t child_count;
    size_t state_size; /* sizeof the lesson's state struct (at least 1) */
    /* Sets the state's defaults before the options are read; may be NULL. */
    void (*init)(void *state);
    /* Checks the options after parsing: NULL when they are fine, else one line naming
     * the problem ("--reserve: must be at least 1 byte"), a usage error. May be NULL. */
    const char *(*check)(void *state);
    /* After the check, before the first step: NULL when the lesson can run here, else one
     * line naming what this machine lacks ("large pages: no large-page support"); the
     * program then exits WM_EXIT_UNAVAILABLE (77: ctest counts it as skipped). May be NULL. */
    const char *(*unavailable)(void *state);
} wm_lesson_spec_t;

/*
 * The whole program: parses the command line (shared options, the lesson's options, and
 * --child=NAME), sets this process's error mode so that a crash never opens a dialog (and
 * every child inherits it), then runs the child mode or every step in order. Returns the
 * exit code: 0 all claims pass or differ, 1 a failure, 2 a usage error (one line on
 * stderr), 77 when spec->unavailable names something this machine lacks, or what the child
 * mode returned.
 */
int wm_lesson_main(const wm_lesson_spec_t *spec, int argc, wchar_t **argv);

/* ------------------------------------------------------------------------------------ */
/* What a step says.                                                                    */
/* ------------------------------------------------------------------------------------ */

/* An extra line of narration inside a step, printed where it falls (JSON: "notes"). */
void wm_note(wm_lesson_t *lesson, const char *format, ...);

/* Observed values. bytes prints with a human size beside it; count takes a unit such as
 * "pages" or "%" (or NULL); address prints as 0x0000000012340000. */
void wm_value_bytes(wm_lesson_t *lesson, const char *name, uint64_t bytes);
void wm_value_count(wm_lesson_t *lesson, const char *name, uint64_t count, const char *unit);
void wm_value_signed(wm_lesson_t *lesson, const char *name, int64_t value, const char *unit);
void wm_value_address(wm_lesson_t *lesson, const char *name, uintptr_t address);
void wm_value_hex(wm_lesson_t *lesson, const char *name, uint64_t value, const char *meaning);
void wm_value_text(wm_lesson_t *lesson, const char *name, const char *text);

/*
 * A claim about documented Windows behaviour: pass if held, else fail. id is the claim's
 * row in the lesson page's "Claims and evidence" table (ctest's docs.evidence checks it is
 * there). Returns the verdict.
 */
wm_verdict_t wm_claim(wm_lesson_t *lesson, const char *id, const char *claim, int held);

/*
 * A claim a runtime is recorded to deviate from: pass if held; differs if not held,
 * deviation_seen (the observation that is the deviation, checked by the caller: never
 * merely "this is Wine") and Wine runs the program, with the reason "Wine VERSION:
 * BEHAVIOUR"; fail otherwise, also on Windows when the deviation is seen there.
 */
wm_verdict_t wm_claim_or_deviation(wm_lesson_t *lesson, const char *id, const char *claim, int held,
                                   int deviation_seen, const wm_deviation_t *deviation);

/*
 * Set-up, not a claim: silent and returns 1 when error is ERROR_SUCCESS. Otherwise prints
 * one FAIL line ("CALL failed: CODE TEXT"), counts a failure, stops the lesson after this
 * step, and returns 0: the step should return at once.
 */
int wm_require(wm_lesson_t *lesson, const char *call, DWORD error);

/* wm_require for a raw Win32 call: succeeded is its result tested for success (a pointer
 * not NULL, a BOOL not FALSE); when it is 0 the code is read from GetLastError, so call
 * this on the line right after the call. */
int wm_require_win32(wm_lesson_t *lesson, const char *call, int succeeded);

/* ------------------------------------------------------------------------------------ */
/* What wm_lesson_main does with the table; a test drives a lesson with them directly.   */
/* ------------------------------------------------------------------------------------ */

/* Starts a lesson by hand: reads the runtime, picks the output, writes the heading.
 * write may be NULL for stdout. Strings are UTF-8. */
void wm_lesson_begin(wm_lesson_t *lesson, const char *name, const char *title, unsigned step_total,
                     const wm_options_t *options, wm_write_fn write, void *write_context);

/* Starts the next step: ends the previous one, waits if --pause, prints the heading. */
void wm_step(wm_lesson_t *lesson, const char *title, const char *narration);

/* Ends the lesson: closes the last step, prints the summary, frees the step buffers.
 * Returns WM_EXIT_OK or WM_EXIT_FAILED. */
int wm_lesson_end(wm_lesson_t *lesson);

/* ------------------------------------------------------------------------------------ */
/* Children and summaries.                                                              */
/* ------------------------------------------------------------------------------------ */

/*
 * A child mode's report to the lesson that started it: writes the size bytes of report
 * (a plain struct both sides share) to standard output, framed so the parent can find it
 * among anything else the child printed. Returns ERROR_SUCCESS or the write's error.
 */
DWORD wm_child_report(const void *report, size_t size);

/*
 * Finds a report written by wm_child_report in a child's output (length bytes) and copies
 * it into report. Returns 1 when a report of exactly size bytes was found, else 0.
 */
int wm_child_report_read(const char *output, size_t length, void *report, size_t size);

/*
 * Finds the last summary ("N passed, N differs, N failed") in a lesson's output, text or
 * JSON, and stores the three counts. Returns 1 if one was found, else 0.
 */
int wm_lesson_parse_summary(const char *output, unsigned *passed, unsigned *differs,
                            unsigned *failed);

/* Formats bytes for people: "64 KiB", "1.5 GiB", "512 bytes". */
void wm_format_bytes(uint64_t bytes, char *text, size_t capacity);

#endif /* WM_LESSON_H */
