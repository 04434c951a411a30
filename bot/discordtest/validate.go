package discordtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Discord's documented limits, checked as Discord checks them (in
// characters, i.e. runes).
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxTitle         = 256
	maxDescription   = 4096
	maxFields        = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxAuthor        = 256
	maxEmbedTotal    = 6000
	maxRows          = 5
	maxButtonsPerRow = 5
	maxCustomID      = 100
	maxButtonLabel   = 80
	maxSelectOptions = 25
	maxNonce         = 25
)

// fieldErr is one invalid field, at a dotted path such as "embeds.0.title".
type fieldErr struct {
	path, code, msg string
}

type problems []fieldErr

func (p *problems) add(path, code, format string, args ...any) {
	*p = append(*p, fieldErr{path: path, code: code, msg: fmt.Sprintf(format, args...)})
}

func (p *problems) maxLen(path, s string, n int) {
	if c := utf8.RuneCountInString(s); c > n {
		p.add(path, "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", n)
	}
}

// body renders problems as Discord's 50035 Invalid Form Body error.
func (p problems) body() []byte {
	root := map[string]any{}
	for _, e := range p {
		node := root
		for _, part := range strings.Split(e.path, ".") {
			next, ok := node[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[part] = next
			}
			node = next
		}
		errs, _ := node["_errors"].([]any)
		node["_errors"] = append(errs, map[string]string{"code": e.code, "message": e.msg})
	}
	b, _ := json.Marshal(map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": root})
	return b
}

// messagePayload is the body of create/edit message, interaction callback
// data and webhook messages.
type messagePayload struct {
	Content          *string          `json:"content"`
	Embeds           *json.RawMessage `json:"embeds"`
	Components       *json.RawMessage `json:"components"`
	AllowedMentions  *json.RawMessage `json:"allowed_mentions"`
	Nonce            json.RawMessage  `json:"nonce"`
	EnforceNonce     bool             `json:"enforce_nonce"`
	Flags            int              `json:"flags"`
	MessageReference *struct {
		MessageID       string `json:"message_id"`
		ChannelID       string `json:"channel_id"`
		FailIfNotExists *bool  `json:"fail_if_not_exists"`
	} `json:"message_reference"`
	// Choices is set for autocomplete results (callback type 8).
	Choices *json.RawMessage `json:"choices"`
}

type wireEmbed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Color       int    `json:"color"`
	Timestamp   string `json:"timestamp"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"author"`
	Fields []struct {
		Name   string `json:"name"`
		Value  string `json:"value"`
		Inline bool   `json:"inline"`
	} `json:"fields"`
}

type allowedMentions struct {
	Parse       []string `json:"parse"`
	Roles       []string `json:"roles"`
	Users       []string `json:"users"`
	RepliedUser bool     `json:"replied_user"`
}

type wireComponent struct {
	Type       int             `json:"type"`
	CustomID   string          `json:"custom_id"`
	Label      string          `json:"label"`
	Style      int             `json:"style"`
	URL        string          `json:"url"`
	Disabled   bool            `json:"disabled"`
	Components []wireComponent `json:"components"`
	Options    []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"options"`
	Placeholder string `json:"placeholder"`
	MinValues   *int   `json:"min_values"`
	MaxValues   *int   `json:"max_values"`
}

// decodeMessage parses and validates a message body. create says whether the
// message must have some content (a new message cannot be empty).
func decodeMessage(raw []byte, create bool) (messagePayload, problems) {
	var p messagePayload
	var errs problems
	if !utf8.Valid(raw) {
		errs.add("_body", "INVALID_JSON", "The request body contains invalid UTF-8.")
		return p, errs
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		errs.add("_body", "INVALID_JSON", "The request body contains invalid JSON: %v", err)
		return p, errs
	}
	hasContent := p.Content != nil && *p.Content != ""
	if p.Content != nil {
		errs.maxLen("content", *p.Content, maxContent)
	}
	var embeds []wireEmbed
	if p.Embeds != nil && string(*p.Embeds) != "null" {
		if err := json.Unmarshal(*p.Embeds, &embeds); err != nil {
			errs.add("embeds", "MODEL_TYPE_CONVERT", "Could not interpret embeds: %v", err)
		}
	}
	if len(embeds) > maxEmbeds {
		errs.add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", maxEmbeds)
	}
	total := 0
	for i, e := range embeds {
		at := "embeds." + strconv.Itoa(i)
		errs.maxLen(at+".title", e.Title, maxTitle)
		errs.maxLen(at+".description", e.Description, maxDescription)
		total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		if e.URL != "" && !validURL(e.URL) {
			errs.add(at+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
		if e.Color < 0 || e.Color > 0xFFFFFF {
			errs.add(at+".color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
		if e.Footer != nil {
			errs.maxLen(at+".footer.text", e.Footer.Text, maxFooter)
			total += utf8.RuneCountInString(e.Footer.Text)
		}
		if e.Author != nil {
			errs.maxLen(at+".author.name", e.Author.Name, maxAuthor)
			total += utf8.RuneCountInString(e.Author.Name)
		}
		if len(e.Fields) > maxFields {
			errs.add(at+".fields", "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", maxFields)
		}
		for j, f := range e.Fields {
			fat := at + ".fields." + strconv.Itoa(j)
			if strings.TrimSpace(f.Name) == "" {
				errs.add(fat+".name", "BASE_TYPE_REQUIRED", "This field is required")
			}
			if strings.TrimSpace(f.Value) == "" {
				errs.add(fat+".value", "BASE_TYPE_REQUIRED", "This field is required")
			}
			errs.maxLen(fat+".name", f.Name, maxFieldName)
			errs.maxLen(fat+".value", f.Value, maxFieldValue)
			total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
	}
	if total > maxEmbedTotal {
		errs.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of %d", maxEmbedTotal)
	}
	if p.AllowedMentions != nil {
		validateMentions(*p.AllowedMentions, &errs)
	}
	hasComponents := false
	if p.Components != nil && string(*p.Components) != "null" {
		var rows []wireComponent
		if err := json.Unmarshal(*p.Components, &rows); err != nil {
			errs.add("components", "MODEL_TYPE_CONVERT", "Could not interpret components: %v", err)
		} else {
			validateComponents(rows, &errs)
			hasComponents = len(rows) > 0
		}
	}
	if len(p.Nonce) > 0 && string(p.Nonce) != "null" {
		var n string
		if err := json.Unmarshal(p.Nonce, &n); err == nil {
			errs.maxLen("nonce", n, maxNonce)
		}
	}
	if create && !hasContent && len(embeds) == 0 && !hasComponents {
		errs.add("content", "BASE_TYPE_REQUIRED", "Cannot send an empty message")
	}
	return p, errs
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "attachment") && u.Host != ""
}

func validateMentions(raw json.RawMessage, errs *problems) {
	var am allowedMentions
	if err := json.Unmarshal(raw, &am); err != nil {
		errs.add("allowed_mentions", "MODEL_TYPE_CONVERT", "Could not interpret allowed_mentions: %v", err)
		return
	}
	for i, p := range am.Parse {
		if p != "roles" && p != "users" && p != "everyone" {
			errs.add("allowed_mentions.parse."+strconv.Itoa(i), "ENUM_TYPE_COERCE", "Value %q is not a valid enum value.", p)
		}
		if p == "roles" && len(am.Roles) > 0 {
			errs.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[\"roles\"] and roles: [ids] are mutually exclusive.")
		}
		if p == "users" && len(am.Users) > 0 {
			errs.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[\"users\"] and users: [ids] are mutually exclusive.")
		}
	}
	if len(am.Roles) > 100 {
		errs.add("allowed_mentions.roles", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	if len(am.Users) > 100 {
		errs.add("allowed_mentions.users", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
}

func validateComponents(rows []wireComponent, errs *problems) {
	if len(rows) > maxRows {
		errs.add("components", "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", maxRows)
	}
	seen := map[string]bool{}
	for i, row := range rows {
		at := "components." + strconv.Itoa(i)
		if row.Type != 1 {
			errs.add(at+".type", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Top-level components must be action rows.")
			continue
		}
		selects := 0
		for j, c := range row.Components {
			cat := at + ".components." + strconv.Itoa(j)
			switch c.Type {
			case 2: // button
				if c.Style < 1 || c.Style > 5 {
					errs.add(cat+".style", "ENUM_TYPE_COERCE", "Value %d is not a valid enum value.", c.Style)
				}
				if c.Style == 5 {
					if !validURL(c.URL) {
						errs.add(cat+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
					}
					if c.CustomID != "" {
						errs.add(cat+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A link button cannot have a custom_id.")
					}
				} else if c.CustomID == "" {
					errs.add(cat+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				errs.maxLen(cat+".label", c.Label, maxButtonLabel)
			case 3: // string select
				selects++
				if c.CustomID == "" {
					errs.add(cat+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				if len(c.Options) == 0 || len(c.Options) > maxSelectOptions {
					errs.add(cat+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length.", maxSelectOptions)
				}
				for k, o := range c.Options {
					errs.maxLen(cat+".options."+strconv.Itoa(k)+".label", o.Label, 100)
					errs.maxLen(cat+".options."+strconv.Itoa(k)+".value", o.Value, 100)
				}
				errs.maxLen(cat+".placeholder", c.Placeholder, 150)
			default:
				errs.add(cat+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (2, 3).")
			}
			errs.maxLen(cat+".custom_id", c.CustomID, maxCustomID)
			if c.CustomID != "" {
				if seen[c.CustomID] {
					errs.add(cat+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
				}
				seen[c.CustomID] = true
			}
		}
		if len(row.Components) == 0 || len(row.Components) > maxButtonsPerRow || (selects > 0 && len(row.Components) != 1) {
			errs.add(at+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length, and a select must be alone.", maxButtonsPerRow)
		}
	}
}

var (
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
)

// pings works out who a message would notify, the way Discord applies
// allowed_mentions: with no allowed_mentions, everything in content pings.
func pings(content string, raw *json.RawMessage) []string {
	var am allowedMentions
	parseAll := raw == nil
	if raw != nil {
		_ = json.Unmarshal(*raw, &am)
	}
	has := func(kind string) bool {
		if parseAll {
			return true
		}
		for _, p := range am.Parse {
			if p == kind {
				return true
			}
		}
		return false
	}
	contains := func(list []string, id string) bool {
		for _, x := range list {
			if x == id {
				return true
			}
		}
		return false
	}
	var out []string
	if has("everyone") {
		if strings.Contains(content, "@everyone") {
			out = append(out, "everyone")
		}
		if strings.Contains(content, "@here") {
			out = append(out, "here")
		}
	}
	for _, m := range userMention.FindAllStringSubmatch(content, -1) {
		if has("users") || contains(am.Users, m[1]) {
			out = append(out, "user:"+m[1])
		}
	}
	for _, m := range roleMention.FindAllStringSubmatch(content, -1) {
		if has("roles") || contains(am.Roles, m[1]) {
			out = append(out, "role:"+m[1])
		}
	}
	return out
}
