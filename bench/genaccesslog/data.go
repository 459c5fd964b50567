package main

// User-Agent strings as real clients send them.
var (
	browserUAs = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
		"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
	}
	mobileUAs = []string{
		"okhttp/4.12.0",
		"okhttp/4.9.3",
		"Dart/3.2 (dart:io)",
		"Carvice/4.2.0 (com.example.carvice; build:412; iOS 17.2.1) Alamofire/5.8.1",
		"Carvice/4.1.3 (com.example.carvice; build:398; iOS 16.7.4) Alamofire/5.8.1",
		"Carvice/4.2.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230901.001)",
	}
	scriptUAs = []string{
		"curl/7.88.1",
		"curl/8.5.0",
		"curl/7.81.0",
		"python-requests/2.31.0",
		"python-requests/2.28.2",
		"Go-http-client/1.1",
		"Go-http-client/2.0",
		"axios/1.6.7",
		"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
		"PostmanRuntime/7.36.3",
		"Apache-HttpClient/4.5.14 (Java/17.0.9)",
		"Java/11.0.21",
		"python-httpx/0.26.0",
		"Python/3.11 aiohttp/3.9.1",
		"Wget/1.21.3",
		"k6/0.49.0 (https://k6.io/)",
	}
	botUAs = []string{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
		"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
		"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		"Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
	}
	scannerUAs = []string{
		"Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
		"Mozilla/5.0 zgrab/0.x",
		"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
		"sqlmap/1.7.12#stable (https://sqlmap.org)",
		"Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
		"python-requests/2.25.1",
		"-",
	}
	basicUsers = []string{"admin", "ops", "svc-billing", "ci-deploy", "grafana"}
)

// scannerPaths are what vulnerability scanners and bots probe on any
// host, whatever it serves.
var scannerPaths = []string{
	"/wp-login.php", "/wp-admin/setup-config.php", "/xmlrpc.php", "/.env", "/.env.production", "/.git/config",
	"/.git/HEAD", "/phpmyadmin/", "/pma/", "/admin.php", "/config.json", "/.aws/credentials", "/.DS_Store",
	"/server-status", "/actuator/env", "/actuator/health", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
	"/cgi-bin/luci/;stok=/locale", "/boaform/admin/formLogin", "/HNAP1/", "/owa/auth/logon.aspx",
	"/solr/admin/info/system", "/console/", "/.well-known/security.txt", "/robots.txt", "/sitemap.xml",
	"/api/.env", "/backup.sql", "/debug/default/view", "/telescope/requests", "/_ignition/health-check",
	"/swagger-ui.html", "/v2/api-docs", "/graphql", "/manager/html", "/jenkins/login", "/favicon.ico",
}

// Words for slugs.
var (
	adjectives = []string{"red", "blue", "green", "quiet", "rapid", "silver", "golden", "bright", "dark", "small",
		"large", "ancient", "modern", "happy", "brave", "calm", "eager", "fancy", "gentle", "lucky", "proud", "vast"}
	nouns = []string{"falcon", "river", "engine", "garage", "sedan", "wheel", "coupon", "order", "report", "video",
		"mountain", "harbor", "meadow", "forest", "canyon", "bridge", "lantern", "piston", "tire", "brake", "mirror"}
)
