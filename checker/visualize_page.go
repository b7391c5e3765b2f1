package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// pageFixes is what Visualize adds to porcupine's page, just before
// </body> (after porcupine's own script has drawn it):
//   - the history rows are labelled with the threads' names (main, A, B,
//     …), the names the scheduler rows ("sched A"), replay's text output
//     and traces use; porcupine labels them with their ClientId (0, 1, 2);
//   - a tooltip keeps the line breaks of an annotation's details (one
//     scheduling decision a line); porcupine sets it as text, in which
//     HTML folds them;
//   - the page opens at the first failing op, selected, as porcupine's
//     "jump to first error" link does: a long history is wider than the
//     window.
const pageFixes = `<style>
.tooltip { white-space: pre-line; }
</style>
<script>
(function () {
  const names = %s
  const svg = document.querySelector('#canvas svg')
  if (svg) {
    // The row labels are the texts of the background group, in row order.
    for (const t of svg.querySelectorAll('g:first-of-type > text')) {
      const s = t.textContent
      if (/^[0-9]+$/.test(s) && Number(s) < names.length) {
        t.textContent = names[Number(s)]
      }
    }
  }
  // Open at the first failing op, selected: the jump link selects it,
  // and the page scrolls there at once (the link scrolls smoothly, which
  // a page just opened need not wait for).
  const jump = document.querySelector('#jump-link')
  if (jump && !jump.classList.contains('inactive')) {
    jump.dispatchEvent(new MouseEvent('click'))
    let first = null
    for (const l of document.querySelectorAll('line.linearization-invalid')) {
      if (l.parentElement.classList.contains('hidden')) continue
      if (first === null || Number(l.getAttribute('x1')) < Number(first.getAttribute('x1'))) first = l
    }
    if (first) first.scrollIntoView({behavior: 'instant', inline: 'center', block: 'center'})
  }
})()
</script>
`

// writePage writes porcupine's page with pageFixes, the rows 0…n-1
// labelled with threads (the thread of porcupine ClientId i).
func writePage(w io.Writer, page []byte, threads []string) error {
	names, err := json.Marshal(threads)
	if err != nil {
		return err
	}
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return fmt.Errorf("visualize: porcupine's page has no </body>")
	}
	if _, err := w.Write(page[:i]); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, pageFixes, names); err != nil {
		return err
	}
	_, err = w.Write(page[i:])
	return err
}
