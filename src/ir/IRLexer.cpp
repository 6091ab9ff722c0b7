// The lexer for the text form of loop-level IR (see IRLexer.h): identifiers,
// numbers, strings and punctuation, each tagged with its line and column.
#include "IRLexer.h"

#include <cctype>
#include <utility>

#include "anvil/support/Error.h"

namespace anvil::ir_text {

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::End: return "end of input";
    case Token::String: return "string \"" + t.text + "\"";
    default: return "'" + t.text + "'";
  }
}

std::vector<Token> Lexer::run() {
  std::vector<Token> tokens;
  while (true) {
    skip_space_and_comments();
    Token t;
    t.line = line_;
    t.col = col_;
    if (pos_ >= text_.size()) {
      tokens.push_back(t);
      return tokens;
    }
    char c = text_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      t.kind = Token::Ident;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(peek())) ||
                                     peek() == '_' || peek() == '.')) {
        t.text += advance();
      }
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      t.kind = Token::Number;
      lex_number(t.text);
    } else if (c == '"') {
      t.kind = Token::String;
      lex_string(t);
    } else {
      t.kind = Token::Punct;
      static const char* kTwoChar[] = {"==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "=>"};
      for (const char* two : kTwoChar) {
        if (text_.compare(pos_, 2, two) == 0) t.text = two;
      }
      if (t.text.empty()) {
        if (std::string("()[]{},:=+-*/%<>!~&|^").find(c) == std::string::npos) {
          fail(t, std::string("unexpected character '") + c + "'");
        }
        t.text = std::string(1, c);
      }
      for (size_t i = 0; i < t.text.size(); ++i) advance();
    }
    tokens.push_back(std::move(t));
  }
}

void Lexer::fail(const Token& at, const std::string& message) {
  throw UserError(std::to_string(at.line) + ":" + std::to_string(at.col) + ": " + message);
}

char Lexer::peek(size_t ahead) const {
  return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
}

char Lexer::advance() {
  char c = text_[pos_++];
  if (c == '\n') {
    line_++;
    col_ = 1;
  } else {
    col_++;
  }
  return c;
}

void Lexer::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    if (std::isspace(static_cast<unsigned char>(peek()))) {
      advance();
    } else if (peek() == '/' && peek(1) == '/') {
      while (pos_ < text_.size() && peek() != '\n') advance();
    } else {
      return;
    }
  }
}

void Lexer::lex_number(std::string& out) {
  auto digits = [&] {
    while (std::isdigit(static_cast<unsigned char>(peek()))) out += advance();
  };
  digits();
  if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
    out += advance();
    digits();
  }
  if ((peek() == 'e' || peek() == 'E') &&
      (std::isdigit(static_cast<unsigned char>(peek(1))) ||
       ((peek(1) == '-' || peek(1) == '+') && std::isdigit(static_cast<unsigned char>(peek(2)))))) {
    out += advance();
    out += advance();
    digits();
  }
  while (std::isalnum(static_cast<unsigned char>(peek()))) out += advance();
}

void Lexer::lex_string(Token& t) {
  advance();  // opening quote
  while (true) {
    if (pos_ >= text_.size()) fail(t, "unterminated string");
    char c = advance();
    if (c == '"') return;
    if (c != '\\') {
      t.text += c;
      continue;
    }
    if (pos_ >= text_.size()) fail(t, "unterminated string");
    char e = advance();
    switch (e) {
      case 'n': t.text += '\n'; break;
      case 't': t.text += '\t'; break;
      case 'r': t.text += '\r'; break;
      case '"': t.text += '"'; break;
      case '\\': t.text += '\\'; break;
      case 'x': {
        std::string hex;
        for (int i = 0; i < 2 && std::isxdigit(static_cast<unsigned char>(peek())); ++i) {
          hex += advance();
        }
        if (hex.empty()) fail(t, "\\x without hex digits in a string");
        t.text += static_cast<char>(std::stoi(hex, nullptr, 16));
        break;
      }
      default: fail(t, std::string("unknown escape \\") + e + " in a string");
    }
  }
}

}  // namespace anvil::ir_text
