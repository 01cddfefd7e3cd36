// Package browsertest drives the demo (the CRM and its Google emulator) in a
// real headless Chromium through the journeys a person makes: Sync Mobile
// from the first click to an edit made "on the phone", the forms, the trash,
// the sync history, and the pages at a phone's width. It has tests only.
//
// The tests skip when no Chromium is found (install it with
// `apt-get install chromium`), unless SIMPLECRM_REQUIRE_BROWSER=1; set
// SIMPLECRM_CHROMIUM to use another binary. On failure each test saves a
// screenshot and the page's HTML into a directory that the failure names.
// `go test ./internal/browsertest -run Journey -update-screenshots` rewrites
// the README's screenshots in docs/screenshots.
package browsertest
