// Package dynamodb is the DynamoDB client of a Lambda cold start (lambdaenv.Client).
package dynamodb

import (
	"context"
	"os"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/store/dynamo"
)

// Client opens the table named by TABLE_NAME as the store.
func Client(e *lambdaenv.Env) error {
	e.Link("dynamodb")
	t := os.Getenv("TABLE_NAME")
	if t == "" {
		return nil
	}
	d := e.Deps()
	st, err := dynamo.New(methods(ddb.NewFromConfig(e.Config())), t, dynamo.WithClock(d.Clock))
	if err != nil {
		return err
	}
	d.Store = st
	return nil
}

type (
	opts = func(*ddb.Options)
	ctx  = context.Context
)

// api is dynamo.DynamoAPI through method values of the client, so that *ddb.Client itself is
// never stored in an interface. Where reflection can call methods by name (html/template in
// digest-send), the linker keeps every exported method of every type stored in an interface:
// for *ddb.Client that is all ~60 DynamoDB operations, ~4 MB. Method values carry the client
// in a closure, which reflection cannot reach, so only these nine stay.
type api struct {
	getItem            func(ctx, *ddb.GetItemInput, ...opts) (*ddb.GetItemOutput, error)
	putItem            func(ctx, *ddb.PutItemInput, ...opts) (*ddb.PutItemOutput, error)
	updateItem         func(ctx, *ddb.UpdateItemInput, ...opts) (*ddb.UpdateItemOutput, error)
	deleteItem         func(ctx, *ddb.DeleteItemInput, ...opts) (*ddb.DeleteItemOutput, error)
	query              func(ctx, *ddb.QueryInput, ...opts) (*ddb.QueryOutput, error)
	batchGetItem       func(ctx, *ddb.BatchGetItemInput, ...opts) (*ddb.BatchGetItemOutput, error)
	transactWriteItems func(ctx, *ddb.TransactWriteItemsInput, ...opts) (*ddb.TransactWriteItemsOutput, error)
	createTable        func(ctx, *ddb.CreateTableInput, ...opts) (*ddb.CreateTableOutput, error)
	describeTable      func(ctx, *ddb.DescribeTableInput, ...opts) (*ddb.DescribeTableOutput, error)
}

var _ dynamo.DynamoAPI = api{}

func methods(c *ddb.Client) api {
	return api{c.GetItem, c.PutItem, c.UpdateItem, c.DeleteItem, c.Query, c.BatchGetItem, c.TransactWriteItems, c.CreateTable, c.DescribeTable}
}

func (a api) GetItem(c ctx, in *ddb.GetItemInput, o ...opts) (*ddb.GetItemOutput, error) {
	return a.getItem(c, in, o...)
}

func (a api) PutItem(c ctx, in *ddb.PutItemInput, o ...opts) (*ddb.PutItemOutput, error) {
	return a.putItem(c, in, o...)
}

func (a api) UpdateItem(c ctx, in *ddb.UpdateItemInput, o ...opts) (*ddb.UpdateItemOutput, error) {
	return a.updateItem(c, in, o...)
}

func (a api) DeleteItem(c ctx, in *ddb.DeleteItemInput, o ...opts) (*ddb.DeleteItemOutput, error) {
	return a.deleteItem(c, in, o...)
}

func (a api) Query(c ctx, in *ddb.QueryInput, o ...opts) (*ddb.QueryOutput, error) {
	return a.query(c, in, o...)
}

func (a api) BatchGetItem(c ctx, in *ddb.BatchGetItemInput, o ...opts) (*ddb.BatchGetItemOutput, error) {
	return a.batchGetItem(c, in, o...)
}

func (a api) TransactWriteItems(c ctx, in *ddb.TransactWriteItemsInput, o ...opts) (*ddb.TransactWriteItemsOutput, error) {
	return a.transactWriteItems(c, in, o...)
}

func (a api) CreateTable(c ctx, in *ddb.CreateTableInput, o ...opts) (*ddb.CreateTableOutput, error) {
	return a.createTable(c, in, o...)
}

func (a api) DescribeTable(c ctx, in *ddb.DescribeTableInput, o ...opts) (*ddb.DescribeTableOutput, error) {
	return a.describeTable(c, in, o...)
}
