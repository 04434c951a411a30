package openaitest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func client(s *Server) *openai.Client {
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = s.BaseURL()
	return openai.NewClientWithConfig(cfg)
}

func TestServerScriptAndGrounded(t *testing.T) {
	s := New(nil)
	defer s.Close()
	s.Enqueue(RateLimited("7"))
	c := client(s)
	req := openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{
		{Role: "system", Content: "sys"},
		{Role: "user", Content: "intro\n<report index=\"1\">\ntext:\nFirst line. Second.\nMore.\n</report>\n"},
	}}
	_, err := c.CreateChatCompletion(context.Background(), req)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusTooManyRequests {
		t.Fatalf("scripted 429: err = %v", err)
	}
	resp, err := c.CreateChatCompletion(context.Background(), req)
	if err != nil || resp.Choices[0].Message.Content != `{"summary":"First line."}` {
		t.Fatalf("grounded answer = %+v, %v", resp, err)
	}
	if rs := s.Requests(); len(rs) != 2 || rs[1].System != "sys" || rs[1].Authorization != "Bearer k" {
		t.Errorf("requests = %v", rs)
	}
	if ms, err := c.ListModels(context.Background()); err != nil || len(ms.Models) != 1 {
		t.Errorf("models = %+v, %v", ms, err)
	}
}
