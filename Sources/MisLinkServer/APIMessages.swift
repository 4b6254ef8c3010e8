import Foundation
import Hummingbird

/// The language of the API's human-readable messages (`{"error": "…"}`): Russian unless the request
/// asks for English (`Accept-Language: en…` before any `ru`) or `console.language` says `en`.
///
/// Messages are written in English where they are thrown; ``APIMessages`` turns each into Russian by its
/// pattern when the answer is Russian. Field names, values and the database's own words stay as they are.
public enum APILanguage: String, Sendable {
    case russian = "ru"
    case english = "en"

    /// The language of the request being answered (set by ``APILanguageMiddleware``).
    @TaskLocal static var current: APILanguage = .russian

    /// The first of `ru`/`en` in an `Accept-Language` header (by quality, then order); `fallback` otherwise.
    static func negotiate(_ header: String?, fallback: APILanguage) -> APILanguage {
        guard let header, !header.isEmpty else { return fallback }
        var best: (language: APILanguage, quality: Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            let language: APILanguage? = tag.hasPrefix("ru") ? .russian : tag.hasPrefix("en") ? .english : nil
            guard let language else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if quality > 0, best == nil || quality > best!.quality { best = (language, quality) }
        }
        return best?.language ?? fallback
    }
}

/// Sets ``APILanguage/current`` for the request from its `Accept-Language`.
struct APILanguageMiddleware: RouterMiddleware {
    typealias Context = WorkerRequestContext
    /// `console.language`.
    let fallback: APILanguage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let language = APILanguage.negotiate(request.headers[.acceptLanguage], fallback: fallback)
        return try await APILanguage.$current.withValue(language) { try await next(request, context) }
    }
}

/// The Russian of the API's English messages, by pattern.
enum APIMessages {
    /// `message` in `language`: unchanged in English, or when it already is Russian, or when no pattern knows it.
    static func localized(_ message: String, _ language: APILanguage = APILanguage.current) -> String {
        guard language == .russian, !message.unicodeScalars.contains(where: { (0x400...0x4FF).contains($0.value) }) else {
            return message
        }
        return russian(message) ?? message
    }

    /// The Russian of `message`, or nil when no pattern matches it.
    static func russian(_ message: String) -> String? {
        let range = NSRange(message.startIndex..., in: message)
        for (pattern, template) in compiled {
            if let match = pattern.firstMatch(in: message, range: range), match.range == range {
                return pattern.replacementString(for: match, in: message, offset: 0, template: template)
            }
        }
        return nil
    }

    private static let compiled: [(NSRegularExpression, String)] = patterns.map { english, russian in
        // swiftlint:disable:next force_try — the patterns are this file's constants, checked by APIMessagesTests.
        (try! NSRegularExpression(pattern: "^" + english + "$", options: [.dotMatchesLineSeparators]), russian)
    }

    /// English pattern (a regular expression, `(.+)` for what is interpolated) → Russian template (`$1`…).
    static let patterns: [(String, String)] = [
        // Authorization and the body.
        (#"Authorization: Bearer <token> is required"#, "нужен заголовок Authorization: Bearer <токен> или вход в консоль"),
        (#"the token is not accepted"#, "токен не принят"),
        (#"sign in first"#, "сначала войдите в консоль"),
        (#"this needs a supervisor"#, "это доступно только старшему смены (супервизору)"),
        (#"an operator acts only on their own behalf"#, "оператор действует только от своего имени"),
        (#"the session has ended: sign in again"#, "сеанс завершён: войдите снова"),
        (#"X-CSRF-Token is missing or wrong"#, "Нет CSRF-токена или он неверен (заголовок X-CSRF-Token): обновите страницу"),
        (#"wrong login or password"#, "Неверный логин или пароль"),
        (#"login and password are required"#, "нужны логин и пароль"),
        (#"([a-z_]+) is required"#, "$1: обязательное поле"),
        (#"the embedding token is not accepted"#, "токен встраивания не принят"),
        (#"too many failed sign-ins: try again in (\d+) min"#, "Слишком много неудачных попыток входа: попробуйте через $1 мин"),
        (#"this employee is not active in the MIS"#, "сотрудник отключён в МИС: вход невозможен"),
        (#"console sign-in is off: the MIS profile has no operator_sign_in statement"#,
         "вход в консоль выключен: в профиле МИС нет запроса operator_sign_in"),
        (#"the firebird sign-in method needs a server DSN: database\.dsn is an embedded file and console\.sign_in_dsn names no server"#,
         "способ входа firebird требует сервер: database.dsn — локальный файл, а console.sign_in_dsn не задан"),
        (#"this thread is assigned to another operator"#, "диалог назначен другому оператору"),
        (#"the body is larger than (\d+) bytes"#, "тело запроса больше $1 байт"),
        (#"the body is not the JSON this endpoint takes"#, "тело запроса — не тот JSON, который принимает этот адрес"),
        (#"the body is not the JSON this endpoint takes: (.+)"#, "тело запроса — не тот JSON, который принимает этот адрес: $1"),
        (#"the body does not parse: (.+)"#, "тело запроса не разбирается: $1"),
        (#"the body must be \{"text": …\} or \{"template_code": …\} \(one of them\)"#,
         #"тело запроса — {"text": …} или {"template_code": …} (что-то одно)"#),
        (#"body is empty: a template needs a text"#, "пустой текст: шаблону нужен текст"),
        (#"the database refused: (.+)"#, "база данных отказала: $1"),
        (#"the connection to the database was lost"#, "соединение с базой данных потеряно"),
        (#"the delivery key is not printable ASCII of at most 255 bytes"#, "ключ доставки — не печатный ASCII длиной до 255 байт"),
        // Fields.
        (#"(.+) is at most (\d+) characters"#, "$1: не больше $2 символов"),
        (#"(.+) must be ASCII"#, "$1: только символы ASCII"),
        (#"(.+) must be printable ASCII"#, "$1: только печатные символы ASCII"),
        (#"(.+) must be (.+) from (-?\d+) to (-?\d+)"#, "$1: $2 от $3 до $4"),
        (#"(.+) must be an ISO 8601 time such as (.+)"#, "$1: время в ISO 8601, например $2"),
        (#"(.+) must be an id from 1 to (\d+)"#, "$1: идентификатор от 1 до $2"),
        (#"(.+) must be between 0001-01-02 and 9999-12-30"#, "$1: дата от 0001-01-02 до 9999-12-30"),
        (#"(.+) must be between 1 and (\d+)"#, "$1: от 1 до $2"),
        (#"(.+) must be a day in years 0001 to 9998"#, "$1: день в 0001–9998 годах"),
        (#"(.+) must be one of (.+), not "(.*)""#, "$1: одно из значений $2, а не «$3»"),
        (#"(.+) must be one of (.+)"#, "$1: одно из значений $2"),
        (#"(.+) must be (.+) or (.+)"#, "$1: $2 или $3"),
        (#"(.+) must be a positive integer"#, "$1: целое положительное число"),
        (#"(.+) must be clinic wall-clock time such as (.+)"#, "$1: время клиники без пояса, например $2"),
        (#"(.+): each must be (.+)"#, "$1: каждое значение — $2"),
        (#"(.+): there is no (.+) row (.+)"#, "$1: в $2 нет строки $3"),
        (#"(.+): no call (.+)"#, "$1: нет звонка $2"),
        (#"(.+): no employee (.+)"#, "$1: нет сотрудника $2"),
        (#"(.+): at most (\d+) positive integers"#, "$1: не больше $2 целых положительных чисел"),
        (#"(.+) needs a target"#, "для $1 нужен target (куда звонить или переводить)"),
        (#"(.+) needs call_id"#, "для $1 нужен call_id"),
        (#"(.+) is for a transfer only"#, "$1 — только для перевода"),
        (#"(.+) is not a phone number"#, "$1: это не номер телефона"),
        (#"(.+) is not one this API gave"#, "$1: такого этот API не выдавал"),
        (#"objects\[(\d+)\]\.(.+) must be (.+)"#, "objects[$1].$2: $3"),
        (#"from and to are required \(YYYY-MM-DD, clinic time, both included\)"#,
         "нужны from и to (ГГГГ-ММ-ДД, время клиники, оба дня включительно)"),
        (#"give comment, status or both"#, "укажите comment, status или оба"),
        (#"a template code is 1 to 63 characters: a-z, 0-9, _ - \."#, "код шаблона — от 1 до 63 символов: a-z, 0-9, _ - ."),
        // Objects.
        (#"no call (.+)"#, "нет звонка $1"),
        (#"no command (.+)"#, "нет команды $1"),
        (#"no mailing (.+)"#, "нет рассылки $1"),
        (#"there is no appeal (.+)"#, "нет обращения $1"),
        (#"there is no thread (.+)"#, "нет диалога $1"),
        (#"no template (.+) for channel (.+)"#, "нет шаблона $1 для канала $2"),
        (#"no open appeal (.+) \(a booking needs an open appeal with a patient\)"#,
         "нет открытого обращения $1 (для записи нужно открытое обращение с пациентом)"),
        (#"appeal (.+) is (.+), not open: it cannot be cancelled"#, "обращение $1 не открыто ($2): отменить его нельзя"),
        (#"appeal (.+) is still open: the MIS did not cancel it"#, "обращение $1 всё ещё открыто: МИС его не отменила"),
        (#"call (.+) has no recording (.+)"#, "у звонка $1 нет записи $2"),
        (#"recording (.+) of call (.+) is not downloaded yet"#, "запись $1 звонка $2 ещё не скачана"),
        (#"recording (.+) of call (.+) is not served: its file path leads out of recordings\.directory"#,
         "запись $1 звонка $2 не отдаётся: путь к её файлу ведёт за пределы recordings.directory"),
        (#"book_visit of the MIS profile (.+) gave no VISIT_ID"#, "book_visit профиля МИС $1 не вернул VISIT_ID"),
        (#"the command was not stored"#, "команда не сохранена"),
        (#"the outbox gave no id"#, "очередь отправки не выдала id"),
        (#"the report's SQL cannot be read: (.+)"#, "SQL отчёта не читается: $1"),
        (#"pass the worker's MIS profile: init\(pool:profile:\)"#, "передайте профиль МИС обработчика: init(pool:profile:)"),
        // The operator console (ConsoleRoutes, OperatorRoutes).
        (#"the console has no such file"#, "в консоли нет такого файла"),
        (#"there is no card (.+)"#, "нет карточки $1"),
        (#"card (.+) is another operator's"#, "карточка $1 — другого оператора"),
        (#"patient_id must be one of the card's candidates"#, "patient_id: один из пациентов карточки (с этим номером)"),
        (#"an operator sees only their own cards"#, "оператор видит только свои карточки"),
        (#"the card stream is for a console session, not a bearer token"#, "поток карточек — для входа в консоль, не для токена"),
        (#"from and to must span 1 to (\d+) days, both included"#, "from и to: от 1 до $1 дней, оба дня включительно"),
        (#"call (.+) has no client number to call back"#, "у звонка $1 нет номера клиента, перезвонить некуда"),
        (#"(.+) needs the MIS profile's (.+) statement"#, "для $1 нужен запрос $2 в профиле МИС"),
        // Mailings (MailingQueue, SendWindow).
        (#"title must be 1 to 200 characters"#, "title: от 1 до 200 символов"),
        (#"rate_per_minute must be 0 \(no limit of its own\) to 100000"#, "rate_per_minute: от 0 (без своего ограничения) до 100000"),
        (#"patient_ids is empty: a mailing needs recipients"#, "patient_ids пуст: рассылке нужны получатели"),
        (#"patient_ids has (\d+) ids; one mailing takes at most (\d+)"#, "в patient_ids $1 идентификаторов; в одной рассылке не больше $2"),
        (#"give template_code or body"#, "укажите template_code или body"),
        (#"give template_code or body, not both"#, "укажите template_code или body, но не оба"),
        (#"unknown template "(.*)": no active auto template with that code for channel any or (.+)"#,
         "неизвестный шаблон «$1»: нет действующего автоматического шаблона с этим кодом для канала any или $2"),
        (#"window (start|end) "(.*)" is not a time HH:MM from (.+) to (.+)"#, "окно ($1): «$2» — не время ЧЧ:ММ от $3 до $4"),
        (#"the window (.+) has no length \(for all day use 00:00–24:00\)"#, "у окна $1 нет длины (на весь день — 00:00–24:00)"),
        // The report (ReportError; the route drops the command line's "--").
        (#"the period is reversed: (?:--)?from (.+) is after (?:--)?to (.+) \(both days are included; give the earlier one first\)"#,
         "период перевёрнут: from $1 позже to $2 (оба дня включаются; сначала более ранний)"),
        (#"(?:--)?(from|to): "(.*)" is not a date; write it as YYYY-MM-DD, e\.g\. 2026-11-01"#,
         "$1: «$2» — не дата; пишите ГГГГ-ММ-ДД, например 2026-11-01"),
        (#"(?:--)?channel: "(.*)" is not a channel; use one of (.+)"#, "channel: «$1» — не канал; одно из $2"),
        (#"(?:--)?operator: "(.*)" is not a staff id \(the MIS's employee id, a positive integer\)"#,
         "operator: «$1» — не идентификатор сотрудника (код сотрудника в МИС, целое положительное)"),
        (#"the period has (\d+) days; a report covers at most (\d+)"#, "в периоде $1 дн.; отчёт охватывает не больше $2"),
        // The PBX's statistics (PBXStatsRoutes).
        (#"the PBX's report was not ready within (\d+) s: try again later"#, "АТС не подготовила отчёт за $1 с: попробуйте позже"),
        (#"the PBX's statistics could not be read: (.+)"#, "статистику АТС получить не удалось: $1"),
        (#"the MIS profile has no staff_chat_credentials statement: MisLink cannot sign operators in to the chat center"#,
         "в профиле МИС нет запроса staff_chat_credentials: MisLink не может входить в чат-центр за операторов"),
        (#"the MIS keeps no chat login and password for this employee"#, "в МИС нет логина и пароля чата этого сотрудника"),
        (#"the chat center refused the chat login (.+) and its password \(HTTP (\d+)\)"#,
         "чат-центр не принял логин чата $1 и его пароль (HTTP $2)"),
        (#"the chat center answered the sign-in with HTTP (\d+)"#, "чат-центр ответил на вход кодом HTTP $1"),
        (#"the chat center signed the agent in but refused the status online \(HTTP (\d+)\)"#,
         "чат-центр впустил сотрудника, но не принял статус «в сети» (HTTP $1)"),
        (#"the chat center cannot be reached: (.+)"#, "чат-центр недоступен: $1"),
        (#"the chat center's sign-in answer is unreadable: (.+)"#, "ответ чат-центра на вход не разобрать: $1"),
        (#"an operator sees only their own chat status"#, "оператор видит только свой статус в чате"),
        (#"operator is required for a bearer token \(\?operator=<staff id>\)"#,
         "для токена нужен operator (?operator=<id сотрудника>)"),
        (#"signing in to the chat center is for a console session, not a bearer token"#,
         "вход в чат-центр — для сессии консоли, не для токена"),
    ]
}
