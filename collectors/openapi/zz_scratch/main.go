package main

import (
	"fmt"
	"os"
	"log/slog"
	"runtime"
	"time"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
)

func main() {
	data, _ := os.ReadFile(os.Args[1])
	var ms runtime.MemStats
	t := time.Now()
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.SkipExternalRefResolution = os.Getenv("SKIPEXT") != ""
	cfg.MergeReferencedProperties = false
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		fmt.Println("err", err)
		return
	}
	fmt.Println("newdoc", time.Since(t), doc.GetVersion(), doc.GetSpecInfo().SpecType)
	if doc.GetSpecInfo().SpecType == "swagger" {
		m, err := doc.BuildV2Model()
		fmt.Println("v2", time.Since(t), err != nil, m != nil)
		if err != nil { fmt.Println(err) }
	} else {
		m, err := doc.BuildV3Model()
		fmt.Println("v3", time.Since(t), err, m != nil)
		if m != nil {
			n := 0
			for p, pi := range m.Model.Paths.PathItems.FromOldest() {
				_ = p
				n += pi.GetOperations().Len()
			}
			fmt.Println("ops", n, time.Since(t))
		}
	}
	runtime.ReadMemStats(&ms)
	fmt.Println("total alloc MB", ms.TotalAlloc>>20)
}
