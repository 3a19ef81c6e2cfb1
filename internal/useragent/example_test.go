package useragent_test

import (
	"encoding/json"
	"fmt"

	"github.com/altogic-emulator/altogic-emulator/internal/useragent"
)

func ExampleParse() {
	a := useragent.Parse("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
	b, _ := json.Marshal(a)
	fmt.Println(string(b))

	// Clients without a browser rule are "Other" 0.0.0.
	fmt.Println(useragent.Parse("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)").Family)
	// Output:
	// {"family":"Mobile Safari","major":"17","minor":"4","patch":"0","device":{"family":"iPhone","major":"0","minor":"0","patch":"0"},"os":{"family":"iOS","major":"17","minor":"4","patch":"0"}}
	// Other
}
