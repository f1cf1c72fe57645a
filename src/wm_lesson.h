/*
 * wm_lesson.h - the lesson framework every demo uses.
 *
 * A lesson is a sequence of steps. A step has a title and a narration, then the values
 * the program observed (addresses, sizes, counters) and the claims it checked. Each
 * claim gets a verdict:
 *   pass     the documented Windows behaviour was observed;
 *   differs  this runtime does not behave as Windows documents (Wine, usually), and the
 *            reason is printed with it: never a silent skip;
 *   fail     the documented behaviour was not observed and nothing explains it.
 * Output is text for people (aligned, coloured on a console) or, with --json, one JSON
 * object: {"demo", "title", "runtime", "steps": [{"number", "title", "narration",
 * "values": [...], "claims": [...]}], "passed", "differs", "failed", "summary"}.
 * Both end with the same summary, "N passed, N differs, N failed", which the tour reads.
 * A lesson whose claims all pass or differ exits 0; one failed claim makes it exit 1.
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

/* The lesson's state. The demo owns it (usually on main's stack); fields are read-only. */
typedef struct wm_lesson_s
{
    const char *name;     /* the demo's name: "virtual-memory" */
    const char *title;    /* one line: what the lesson shows */
    unsigned step_total;  /* steps the demo will take (for "Step 2/4") */
    unsigned step_number; /* the current step, from 1; 0 before the first */
    unsigned passed;      /* claims with each verdict so far */
    unsigned differs;
    unsigned failed;
    int json;             /* --json: the JSON document instead of text */
    int color;            /* colour the text */
    int pause;            /* --pause: wait before each step */
    wm_runtime_t runtime; /* the OS version and Wine, read once at the start */
    wm_write_fn write;    /* where output goes (stdout unless a test says otherwise) */
    void *write_context;
    wm_json_t document;           /* the JSON document being written, with --json */
    wm_text_buffer_t step_values; /* the current step's values, as JSON array text */
    wm_text_buffer_t step_claims; /* the current step's claims, as JSON array text */
    wm_text_buffer_t step_notes;  /* the current step's notes, as JSON array text */
    wm_json_t values_json;        /* writers into the three buffers above */
    wm_json_t claims_json;
    wm_json_t notes_json;
    char step_title[128];      /* the current step's title and narration, kept for */
    char step_narration[2048]; /* the JSON object written when the step ends */
} wm_lesson_t;

/*
 * Starts a lesson: reads the runtime, decides colour, writes the heading (text) or opens
 * the JSON document. write may be NULL for stdout. name, title and the strings passed to
 * later calls are UTF-8.
 */
void wm_lesson_begin(wm_lesson_t *lesson, const char *name, const char *title, unsigned step_total,
                     const wm_options_t *options, wm_write_fn write, void *write_context);

/* Starts the next step: ends the previous one, waits if --pause, prints the heading and
 * the narration (wrapped to the terminal width in text). */
void wm_step(wm_lesson_t *lesson, const char *title, const char *narration);

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

/* A claim that must hold everywhere: pass if held, else fail. Returns the verdict. */
wm_verdict_t wm_claim(wm_lesson_t *lesson, const char *claim, int held);

/*
 * A claim about documented Windows behaviour that Wine is known not to reproduce: pass
 * if held; if not held and Wine runs the program, differs with wine_reason; otherwise
 * fail. Use it only where shared/notes/wine-fidelity.md records the difference.
 */
wm_verdict_t wm_claim_windows(wm_lesson_t *lesson, const char *claim, int held,
                              const char *wine_reason);

/* A claim this runtime cannot show at all (its counters are fake, say): differs, with
 * the reason. The caller decides, from wm_is_wine() or a probe, that it cannot be shown. */
wm_verdict_t wm_claim_differs(wm_lesson_t *lesson, const char *claim, const char *reason);

/* A claim that a call succeeded: pass if error is ERROR_SUCCESS; else fail, with the
 * error's code and text as the reason. For the steps' set-up calls. */
wm_verdict_t wm_claim_success(wm_lesson_t *lesson, const char *call, DWORD error);

/* Ends the lesson: closes the last step, prints the summary (text) or closes the JSON
 * document, frees the step buffers. Returns WM_EXIT_OK or WM_EXIT_FAILED. */
int wm_lesson_end(wm_lesson_t *lesson);

/*
 * Finds the last summary ("N passed, N differs, N failed") in a lesson's output, text or
 * JSON, and stores the three counts. Returns 1 if one was found, else 0.
 */
int wm_lesson_parse_summary(const char *output, unsigned *passed, unsigned *differs,
                            unsigned *failed);

/* Formats bytes for people: "64 KiB", "1.5 GiB", "512 bytes". */
void wm_format_bytes(uint64_t bytes, char *text, size_t capacity);

#endif /* WM_LESSON_H */
