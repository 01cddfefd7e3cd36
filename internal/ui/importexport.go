package ui

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"simplecrm/internal/contactio"
	"simplecrm/internal/crm"
)

// Import and export of .vcf and Google Contacts CSV files. An upload is
// first shown as a preview (what will be created, updated, skipped, and the
// rows that cannot be read); the confirmation carries the file again and
// plans it anew, so nothing is kept on the server between the two and a
// contact changed meanwhile is reported, not overwritten (its version).
// Uploads are bounded by the UI's body limit (1 MiB, about 3,000 cards);
// larger files go through `simplecrm import`.

func (h *handler) importRoutes(mux router) {
	mux.Handle("GET /import", h.authed(h.importPage))
	mux.Handle("POST /import", h.authed(h.importPreview))
	mux.Handle("POST /import/confirm", h.authed(h.importConfirm))
	mux.Handle("GET /export", h.authed(h.exportFile))
}

func (h *handler) importPage(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	h.render(w, r, http.StatusOK, "import", view{"Nav": "contacts"})
	return nil
}

func (h *handler) importPreview(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	if err := r.ParseMultipartForm(maxBodyBytes); err != nil {
		return crm.Errorf(crm.EINVALID, "Choose a .vcf or .csv file of at most 1 MB.")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return crm.Errorf(crm.EINVALID, "Choose a .vcf or .csv file to import.")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	return h.importResult(w, r, u, data, false)
}

func (h *handler) importConfirm(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	return h.importResult(w, r, u, []byte(vals.Get("data")), true)
}

func (h *handler) importResult(w http.ResponseWriter, r *http.Request, u *crm.User, data []byte, apply bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return crm.Errorf(crm.EINVALID, "The file is empty.")
	}
	recs, bad := contactio.Read(data)
	plan, err := contactio.NewPlan(r.Context(), h.svc.Contacts, u, recs, bad)
	if err != nil {
		return err
	}
	if apply {
		if err := plan.Apply(r.Context(), h.svc.Contacts); err != nil {
			return err
		}
		h.log.Info("ui: import", "user_id", u.ID, "created", plan.Count(contactio.Create), "updated", plan.Count(contactio.Update))
	}
	h.render(w, r, http.StatusOK, "import", view{"Nav": "contacts", "Plan": plan, "Applied": apply, "Data": string(data),
		"Created": plan.Count(contactio.Create), "Updated": plan.Count(contactio.Update), "Skipped": plan.Count(contactio.Skip)})
	return nil
}

func (h *handler) exportFile(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	format := r.URL.Query().Get("format")
	ctype := map[string]string{contactio.FormatVCF: "text/vcard; charset=utf-8", contactio.FormatCSV: "text/csv; charset=utf-8"}[format]
	if ctype == "" {
		return crm.Errorf(crm.EINVALID, "Export as vcf or csv.")
	}
	var b bytes.Buffer // whole, so that an error still gets an error page
	if err := contactio.Export(r.Context(), h.svc.Contacts, u.OrgID, 0, format, &b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="contacts-`+time.Now().UTC().Format("2006-01-02")+"."+format+`"`)
	_, err := w.Write(b.Bytes())
	return err
}
